using System.Text.Json;
using DockerIR.Core.Demo;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir diff` on the breached demo app, through the built CLI and the real engine.</summary>
public sealed class DiffCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>
{
    [Fact]
    public async Task Diff_BreachedDemoApp_ListsExactlyWhatDockerDiffLists()
    {
        var app = await demo.StartBreachedAsync("diff-oracle");

        var ours = await ProcessRunner.DockerIRAsync(["diff", app.ContainerName, "--json"]);
        var theirs = await ProcessRunner.DockerAsync("diff", app.ContainerName);

        CliAssert.Success(ours);
        Assert.Equal(0, theirs.ExitCode);
        var expected = theirs.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        var actual = JsonDocument.Parse(ours.StdOut).RootElement.EnumerateArray()
            .Select(e => $"{e.GetProperty("kind").GetString()} {e.GetProperty("path").GetString()}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, actual);
        Assert.Contains($"A {DemoAttacker.ShellPath}", actual);
        Assert.Contains($"C {DemoAttacker.IndexPath}", actual);
    }

    [Fact]
    public async Task Diff_BreachedDemoApp_ClassifiesTheShellAndIndexSuspiciousAndThePidFileRuntime()
    {
        var app = await demo.StartBreachedAsync("diff-class");

        var result = await ProcessRunner.DockerIRAsync(["diff", app.ContainerId[..12], "--json"]);

        CliAssert.Success(result);
        var byPath = JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray()
            .ToDictionary(e => e.GetProperty("path").GetString()!, e => e.GetProperty("classification").GetString());
        Assert.Equal("suspicious", byPath[DemoAttacker.ShellPath]);
        Assert.Equal("suspicious", byPath[DemoAttacker.IndexPath]);
        Assert.Equal("runtime", byPath[DemoWebApp.PidFile]);
        Assert.DoesNotContain(byPath.Keys, p => p.EndsWith("about.html", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Diff_TextForm_IsATableWithTheCounts()
    {
        var app = await demo.StartBreachedAsync("diff-text");

        var result = await ProcessRunner.DockerIRAsync(["diff", app.ContainerName]);

        CliAssert.Success(result);
        Assert.Matches(@"A\s+suspicious\s+/var/www/html/shell\.php\s+web-root, web-script", result.StdOut);
        Assert.Matches(@"A\s+runtime\s+/var/run/httpd\.pid", result.StdOut);
        Assert.Contains("7 changes: 5 suspicious, 2 runtime", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_UnchangedContainer_SaysSo()
    {
        var app = await demo.StartAsync("diff-clean");
        // The app writes its pid file at start; nothing else changes until it is attacked.
        var result = await ProcessRunner.DockerIRAsync(["diff", app.ContainerName, "--json"]);

        CliAssert.Success(result);
        var paths = JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToArray();
        Assert.Equal(["/var", "/var/run", DemoWebApp.PidFile], paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Diff_WithDebug_LogsEachEngineRequestWithItsStatusAndTime_AndWithoutItNone()
    {
        var app = await demo.StartBreachedAsync("diff-debug");

        var debug = await ProcessRunner.DockerIRAsync(["diff", app.ContainerName, "--json", "--debug"]);
        var plain = await ProcessRunner.DockerIRAsync(["diff", app.ContainerName, "--json"]);

        CliAssert.Success(debug);
        CliAssert.Success(plain);
        var lines = debug.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" DBG Engine ", StringComparison.Ordinal)).ToList();
        // The version handshake, the lookup by name and the change set: one line each, with milliseconds in the time.
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"GET \S+/version: HTTP 200 in \d+ ms$"));
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d\d:\d\d:\d\d\.\d{{3}} DBG Engine GET \S+/containers/{app.ContainerName}/json: HTTP 200 in \d+ ms$"));
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"GET \S+/containers/{app.ContainerId}/changes: HTTP 200 in \d+ ms$"));
        Assert.DoesNotContain("Engine ", plain.StdErr, StringComparison.Ordinal);
        // The same result either way (the engine lists the change set in no fixed order).
        static string[] Paths(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()!).Order(StringComparer.Ordinal)];
        Assert.Equal(Paths(plain.StdOut), Paths(debug.StdOut));
    }
}
