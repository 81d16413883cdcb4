using System.Text.Json;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.InProcess.Tests;

/// <summary>
/// The CLI run in this process through <see cref="Program.RunAsync"/>, with a fake engine: the command line, the
/// --json output against the shape kept in Expected/, and the exit codes, in milliseconds and without an engine.
/// </summary>
public sealed class InProcessCliTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("dockerir-inprocess-").FullName;

    private static FakeEngine Breached() => new FakeEngine().Add(
        FakeEngine.Container("c0ffee0000000000000000000000000000000000000000000000000000000001", "web"),
        new ChangeEntry("/var/www/html/shell.php", ChangeKind.Added),
        new ChangeEntry("/var/www/html/index.html", ChangeKind.Changed),
        new ChangeEntry("/var/run/httpd.pid", ChangeKind.Added));

    /// <summary>Runs dockerir with <paramref name="engine"/> as the engine it talks to.</summary>
    private static async Task<(int Code, string Out, string Err)> RunAsync(IContainerEngine engine, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(args, output, error, () => engine, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Snapshot_Json_HasTheShapeKeptInTheRepo_AndTheFreezeComesFirst()
    {
        var engine = Breached();
        var caseDir = Path.Combine(root, "case");

        var (code, stdout, stderr) = await RunAsync(engine, "snapshot", "web", "--case-dir", caseDir, "--json", "-q");

        Assert.True(code == (int)ExitCode.Success, stderr);
        using var json = JsonDocument.Parse(stdout);
        // The names (not the values: ids and times change) of every property, in order, as scripts read them.
        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Expected", "snapshot.json.keys")).Where(l => l.Length > 0);
        Assert.Equal(expected, Keys(json.RootElement, ""));
        Assert.Equal(caseDir, json.RootElement.GetProperty("caseDir").GetString());
        Assert.Equal(["pause", "inspect"], engine.Calls.Take(2));
        Assert.Single(engine.Calls, c => c == "inspect");
        Assert.True(File.Exists(Path.Combine(caseDir, "custody.jsonl")));
    }

    [Fact]
    public async Task RedeployDryRun_Json_IsThePlanInTheShapeKeptInTheRepo_AndChangesNothing()
    {
        using var breach = await FakeBreach.CreateAsync();
        var caseDir = Path.Combine(root, "planned");
        var (snapCode, _, snapErr) = await RunAsync(breach.Engine, "snapshot", "web", "--case-dir", caseDir, "--unpause", "-q");
        Assert.True(snapCode == (int)ExitCode.Success, snapErr);
        var before = breach.Engine.Calls.Count;

        var (code, stdout, stderr) = await RunAsync(breach.Engine, "redeploy", "web", "--case-dir", caseDir, "--dry-run", "--json", "--tmpfs", "/var/cache/app");

        Assert.True(code == (int)ExitCode.Success, stderr);
        using var json = JsonDocument.Parse(stdout);
        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Expected", "redeploy-plan.json.keys")).Where(l => l.Length > 0);
        // The plan's own shape; what lies under the engine's create body and under maps (labels, tmpfs) is data.
        string[] data = ["createBody.", "replacement.labels.", "replacement.hostConfig.tmpfs."];
        Assert.Equal(expected, Keys(json.RootElement, "").Distinct().Where(k => !data.Any(d => k.StartsWith(d, StringComparison.Ordinal))));
        var plan = json.RootElement;
        var body = plan.GetProperty("createBody");
        Assert.True(body.GetProperty("HostConfig").GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.Equal(["10.99.0.53"], body.GetProperty("HostConfig").GetProperty("Dns").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["web", "shop"], body.GetProperty("NetworkingConfig").GetProperty("EndpointsConfig").GetProperty("frontend").GetProperty("Aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(("web", FakeBreach.Id), (plan.GetProperty("suspectName").GetString(), plan.GetProperty("suspectId").GetString()));
        Assert.True(plan.GetProperty("replacement").GetProperty("hostConfig").GetProperty("readonlyRootfs").GetBoolean());
        Assert.Contains(plan.GetProperty("tmpfs").EnumerateArray(), t => t.GetProperty("path").GetString() == "/var/cache/app");
        // A dry run kills nothing, renames nothing and leaves no container behind.
        var calls = breach.Engine.CallsWithTargets.Skip(before).ToList();
        Assert.DoesNotContain(calls, c => c.Call is "kill" or "rename" or "pause" && c.Target is "web" or FakeBreach.Id);
        Assert.True(breach.Engine.Get(FakeBreach.Id).State.Running);
        Assert.Equal([FakeBreach.Id], breach.Engine.Containers.All.Select(c => c.Id));
    }

    [Theory]
    [InlineData("extract", "case", "--max-file-size", "5X")]
    [InlineData("respond", "web", "--memory", "init", "--yes")]
    [InlineData("redeploy", "web", "--probe-timeout", "0")]
    [InlineData("snapshot")]
    [InlineData("snapshot", "web", "--no-such-option")]
    [InlineData("audit", "--fail-on", "severe")]
    public async Task ABadCommandLine_IsOneLineOnStderr_ExitsUsage_AndNeverReachesTheEngine(params string[] args)
    {
        var engine = Breached();

        var (code, stdout, stderr) = await RunAsync(engine, args);

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("dockerir: error: ", stderr, StringComparison.Ordinal);
        Assert.Empty(engine.Calls);
    }

    [Fact]
    public async Task AnEngineThatDoesNotAnswer_ExitsEngineUnreachable_WithOneLine_AndCreatesNoCase()
    {
        var engine = new FakeEngine();
        engine.FailOn["inspect"] = new EngineUnreachableException("unix:///nowhere.sock", "connection refused");
        var caseDir = Path.Combine(root, "never");

        var (code, stdout, stderr) = await RunAsync(engine, "snapshot", "web", "--case-dir", caseDir);

        Assert.Equal((int)ExitCode.EngineUnreachable, code);
        Assert.Equal("", stdout);
        Assert.Contains("nowhere.sock", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("dockerir: error: ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(caseDir));
    }

    [Fact]
    public async Task AContainerTheEngineDoesNotKnow_ExitsNotFound()
    {
        var (code, _, stderr) = await RunAsync(Breached(), "snapshot", "nope", "--case-dir", Path.Combine(root, "nope"));

        Assert.Equal((int)ExitCode.NotFound, code);
        Assert.Contains("nope", stderr, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Keys(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => new[] { path + p.Name }.Concat(Keys(p.Value, path + p.Name + "."))),
        JsonValueKind.Array => element.EnumerateArray().Take(1).SelectMany(e => Keys(e, path + "[].")),
        _ => [],
    };

    public void Dispose() => Directory.Delete(root, recursive: true);
}
