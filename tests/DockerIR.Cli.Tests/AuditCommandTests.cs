using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir audit` through the built CLI, against the real engine.</summary>
public sealed class AuditCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-audit-").FullName;

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    private static List<(string Id, string Severity, string Evidence)> Findings(JsonElement report, string containerId) =>
        report.GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("id").GetString() == containerId)
            .GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("id").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("evidence").GetString()!)).ToList();

    [Fact]
    public async Task Audit_PrivilegedWithDockerSocket_HighFindingsSarifAndFailOnExitCode()
    {
        // Created, never started: a privileged container cannot start on this machine, and the audit reads inspect only.
        var id = await demo.Engine.CreateContainerAsync(new ContainerSpec
        {
            Image = demo.ImageReference,
            Labels = demo.Resources.Labels,
            HostConfig = new HostConfigInfo { Privileged = true, Binds = ["/var/run/docker.sock:/var/run/docker.sock"] },
        }, demo.Resources.Name("priv"), CancellationToken.None);
        var sarifPath = Path.Combine(workDir, "audit.sarif");

        var result = await ProcessRunner.DockerIRAsync(["audit", id, "--json", "--sarif", sarifPath, "--fail-on", "high"]);

        Assert.Equal((int)ExitCode.AuditFailed, result.ExitCode);
        Assert.Contains("at or above high", result.StdErr, StringComparison.Ordinal);
        var findings = Findings(JsonDocument.Parse(result.StdOut).RootElement, id);
        Assert.Contains(("5.5", "high", "HostConfig.Privileged=true"), findings);
        Assert.Contains(findings, f => f.Id == "5.32" && f.Severity == "high" && f.Evidence.Contains("/var/run/docker.sock", StringComparison.Ordinal));

        using var sarif = JsonDocument.Parse(await File.ReadAllBytesAsync(sarifPath));
        Assert.Equal("https://json.schemastore.org/sarif-2.1.0.json", sarif.RootElement.GetProperty("$schema").GetString());
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var run = sarif.RootElement.GetProperty("runs")[0];
        Assert.True(run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength() > 20);
        // The ids are CIS Docker Benchmark v1.6.0's, and every output says so.
        Assert.Equal("CIS Docker Benchmark v1.6.0", JsonDocument.Parse(result.StdOut).RootElement.GetProperty("benchmark").GetString());
        Assert.Contains("CIS Docker Benchmark v1.6.0", run.GetProperty("tool").GetProperty("driver").GetProperty("fullName").GetString(), StringComparison.Ordinal);
        Assert.All(run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray(), r =>
            Assert.Equal(r.GetProperty("id").GetString()!.StartsWith("DIR-", StringComparison.Ordinal) ? "DockerIR (not a CIS control)" : "CIS Docker Benchmark v1.6.0",
                r.GetProperty("properties").GetProperty("benchmark").GetString()));
        Assert.Equal(findings.Count, run.GetProperty("results").GetArrayLength());
        await SarifValidator.AssertNoErrorsAsync(sarifPath);
        var linked = await ProcessRunner.DockerIRAsync(["audit", id, "--json", "--sarif", sarifPath], env: new Dictionary<string, string?> { ["DOCKERIR_DOCS_URL"] = "https://docs.example.org/dockerir/" });
        CliAssert.Success(linked);
        using var linkedSarif = JsonDocument.Parse(await File.ReadAllBytesAsync(sarifPath));
        Assert.All(linkedSarif.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray(), r =>
            Assert.Equal("https://docs.example.org/dockerir/audit.md#" + (r.GetProperty("id").GetString() is var rid && rid!.StartsWith("DIR-", StringComparison.Ordinal) ? rid.ToLowerInvariant() : "cis-" + rid),
                r.GetProperty("helpUri").GetString()));

        // Without --fail-on the same audit succeeds; --fail-on is what sets the code.
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["audit", id, "--json"]));
    }

    [Fact]
    public async Task Audit_ByLabel_CoversExactlyTheLabelledContainers_AndBadInputIsAUsageError()
    {
        var a = await demo.StartAsync("lab-a");
        var b = await demo.StartAsync("lab-b");

        var result = await ProcessRunner.DockerIRAsync(["audit", "--label", $"{TestResources.RunLabel}={demo.Resources.RunId}", "--json"]);

        CliAssert.Success(result);
        var ids = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("containers").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Contains(a.ContainerId, ids);
        Assert.Contains(b.ContainerId, ids);

        Assert.Equal((int)ExitCode.Usage, (await ProcessRunner.DockerIRAsync(["audit"])).ExitCode);
        Assert.Equal((int)ExitCode.Usage, (await ProcessRunner.DockerIRAsync(["audit", "x", "--fail-on", "severe"])).ExitCode);
        CliAssert.OneLineError(await ProcessRunner.DockerIRAsync(["audit", "dockerir-test-no-such-container"]), ExitCode.NotFound);
    }
}
