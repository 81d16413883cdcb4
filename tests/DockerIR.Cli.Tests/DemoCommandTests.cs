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
        Assert.Matches(@"triage:\s+4\s+findings\s+\(4\s+high\):\s+/var/www/html/index\.html,\s+/var/www/html/shell\.php", result.StdOut);
        Assert.Contains("can't create /var/www/html/shell.php: Read-only file system", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Welcome to our store", result.StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(workDir, "case.tar.gz")));
        Assert.True(File.Exists(Path.Combine(workDir, "case", "case.json")));
        var selector = $"{TestResources.RunLabel}={resources.RunId}";
        Assert.Empty(await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [selector]), CancellationToken.None));
        Assert.Empty(await engine.ListImagesAsync([selector], CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    /// <summary>Only the engine and the labels: the demo builds its own image.</summary>
    public sealed class Fixture : EngineFixture;
}
