using System.Text.Json;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Formats;
using DockerIR.Core.Triage;
using DockerIR.Core.Triage.Rules;
using DockerIR.Testing;

namespace DockerIR.Core.Tests;

public sealed class DocsLinksTests
{
    private static string Docs(string page) => File.ReadAllText(Path.Combine(Checkout.Root(), "docs", page));

    [Fact]
    public void EveryAuditAndTriageRule_HasItsAnchorInTheDocs()
    {
        var audit = Docs("audit.md");
        var triage = Docs("triage.md");
        Assert.All(AuditRules.All, r => Assert.Contains($"<a id=\"{AuditReport.DocsAnchor(r.Id)}\"></a>", audit, StringComparison.Ordinal));
        Assert.All(TriageScan.AllRules.Where(r => r.Family != ContainerRiskFamily.Family),
            r => Assert.Contains($"<a id=\"{DocsLinks.TriageAnchor(r.Id)}\"></a>", triage, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://docs.example.org/dockerir", "https://docs.example.org/dockerir/")]
    [InlineData("https://docs.example.org/dockerir/", "https://docs.example.org/dockerir/")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("docs/", null)]
    public void TheConfiguredBase_MustBeAnAbsoluteWebOrFileAddress(string configured, string? expected) =>
        Assert.Equal(expected, DocsLinks.FindBase(configured, "/nonexistent")?.AbsoluteUri);

    [Fact]
    public void WithoutConfiguration_TheDocsBesideTheBinaryAreTheBase_AsInAReleaseArchive()
    {
        var root = Directory.CreateTempSubdirectory("dockerir-docs-");
        try
        {
            Assert.Null(DocsLinks.FindBase(null, Path.Combine(root.FullName, "bin")));
            Directory.CreateDirectory(Path.Combine(root.FullName, "bin"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "docs"));
            File.WriteAllText(Path.Combine(root.FullName, "docs", "audit.md"), "");
            File.WriteAllText(Path.Combine(root.FullName, "docs", "triage.md"), "");
            Assert.Equal(new Uri(Path.Combine(root.FullName, "docs") + "/").AbsoluteUri, DocsLinks.FindBase(null, Path.Combine(root.FullName, "bin"))?.AbsoluteUri);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void SarifRules_CarryHelpUriWithTheirAnchor_WhenTheDocsHaveAnAddress()
    {
        // DocsLinks.Base is read once per process; this process has no DOCKERIR_DOCS_URL and no docs beside the
        // test binary, so the rules name the page in their help text and carry no helpUri.
        Assert.Null(DocsLinks.Base);
        var report = AuditReports.Of([], DateTimeOffset.UnixEpoch, "1.0.0");
        using var sarif = JsonDocument.Parse(report.ToSarif());
        var rule = sarif.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .Single(r => r.GetProperty("id").GetString() == "5.26");
        Assert.False(rule.TryGetProperty("helpUri", out _));
        Assert.Contains("docs/audit.md#cis-5.26", rule.GetProperty("help").GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
