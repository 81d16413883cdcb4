using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir demo` end to end on the real engine.</summary>
public sealed class DemoCommandTests(DemoCommandTests.Fixture fixture) : IClassFixture<DemoCommandTests.Fixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-demo-").FullName;
    private readonly IContainerEngine engine = fixture.Engine;
    private readonly TestResources resources = fixture.Resources;

    [Fact]
    public async Task Demo_BreachesRespondsBlocksTheRepeatAttackAndCleansUp()
    {
        var name = resources.Name("demo");

        var result = await ProcessRunner.DockerIRAsync(
            ["demo", "--name", name, "--case-dir", Path.Combine(workDir, "case"), .. resources.Labels.SelectMany(kv => new[] { "--label", $"{kv.Key}={kv.Value}" })]);

        CliAssert.Success(result);
        Assert.Contains("HACKED", result.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"suspicious\s+/var/www/html/index.html, /var/www/html/shell.php", result.StdOut);
        Assert.Matches($@"bundle\s+{System.Text.RegularExpressions.Regex.Escape(Path.Combine(workDir, "case.tar.gz"))}", result.StdOut);
        Assert.Matches(@"bundle sha256\s+[0-9a-f]{64}", result.StdOut);
        Assert.Matches(@"verify\s+done", result.StdOut);
        Assert.Matches(@"probe\s+http http://127\.0\.0\.1:\d+/: passed \(HTTP 200\)", result.StdOut);
        Assert.Contains("system($_REQUEST", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("the report: dockerir report case.tar.gz --format html -o report.html", result.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"triage:\s+4\s+findings\s+\(4\s+high\):\s+/var/www/html/index\.html,\s+/var/www/html/shell\.php", result.StdOut);
        Assert.Contains("can't create /var/www/html/shell.php: Read-only file system", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Welcome to our store", result.StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(workDir, "case.tar.gz")));
        Assert.True(File.Exists(Path.Combine(workDir, "case", "case.json")));

        // Service first: the relaunch ran before the evidence was sealed, so the sealed report says what it changed and what was done.
        var sealedReport = await ProcessRunner.DockerIRAsync(["report", Path.Combine(workDir, "case.tar.gz")]);
        CliAssert.Success(sealedReport);
        Assert.Contains("### What the relaunch changes", sealedReport.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"\| ReadonlyRootfs \| false \| true \|", sealedReport.StdOut);
        Assert.Matches(@"\| SecurityOpt no-new-privileges \| off \| on \|", sealedReport.StdOut);
        Assert.Matches(@"It fixes \d+ of the audit's findings", sealedReport.StdOut);
        Assert.Matches(@"\| redeploy\.plan \| succeeded \| [^\n]*recorded in redeploy-plan\.json", sealedReport.StdOut);
        Assert.Matches(@"\| replacement\.preflight \| succeeded \|", sealedReport.StdOut);
        Assert.Matches(@"\| container\.kill \| succeeded \|", sealedReport.StdOut);
        Assert.Matches(@"\| replacement\.probe \| succeeded \|", sealedReport.StdOut);
        Assert.True(sealedReport.StdOut.IndexOf("| replacement.preflight |", StringComparison.Ordinal) < sealedReport.StdOut.IndexOf("| container.kill |", StringComparison.Ordinal));
        var verifyCase = await ProcessRunner.DockerIRAsync(["verify", Path.Combine(workDir, "case")]);
        CliAssert.Success(verifyCase);
        var selector = $"{TestResources.RunLabel}={resources.RunId}";
        Assert.Empty(await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [selector]), CancellationToken.None));
        Assert.Empty(await engine.ListImagesAsync([selector], CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    /// <summary>Only the engine and the labels: the demo builds its own image.</summary>
    public sealed class Fixture : EngineFixture;
}
