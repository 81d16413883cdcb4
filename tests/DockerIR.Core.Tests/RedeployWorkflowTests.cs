using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Response;
using DockerIR.Testing;
using Serilog.Core;

namespace DockerIR.Core.Tests;

/// <summary>
/// respond's relaunch without an engine: the breached container of <see cref="FakeBreach"/> frozen, committed, replaced
/// by a read-only twin of the same service after the replacement's preflight, its evidence extracted after; and a
/// replacement that cannot boot read-only leaves the suspect as it was.
/// </summary>
public sealed class RedeployWorkflowTests : IDisposable
{
    private readonly string cases = Directory.CreateTempSubdirectory("dockerir-redeploy-tests-").FullName;
    private readonly List<FakeBreach> breaches = [];

    private async Task<(CaseRunResult Result, FakeEngine Engine)> RespondAsync(Func<ContainerInspection, FakeRun>? onStart = null)
    {
        var breach = await FakeBreach.CreateAsync();
        breaches.Add(breach);
        if (onStart is not null)
        {
            breach.Engine.Containers.OnStart = onStart;
        }

        using var http = new HttpClient();
        var result = await new CaseRunner(breach.Engine, new Actor("alice", "ir-host", "9.9.9"), TimeProvider.System, Logger.None, http)
            .StartAsync("web", null, cases, "respond", RespondPreset.Steps(new RedeployOptions()), null, CancellationToken.None);
        return (result, breach.Engine);
    }

    [Fact]
    public async Task Respond_RelaunchesTheSameServiceReadOnly_AfterItsPreflight_KillingTheSuspectOnlyThen()
    {
        var (result, engine) = await RespondAsync();

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(["snapshot", "redeploy", "extract", "bundle", "verify"], result.Steps.Select(s => s.Step));

        // The suspect is kept, stopped, under its quarantine name; the replacement runs under the service's name.
        var suspect = engine.Get(FakeBreach.Id);
        Assert.Equal((false, $"web.compromised-{result.CaseId}"), (suspect.State.Running, suspect.Name));
        var replacement = engine.Get(result.ReplacementId!);
        Assert.Equal(("web", true), (replacement.Name, replacement.State.Running));
        Assert.Equal(suspect.ImageId, replacement.ImageId);

        // Read-only, hardened, and the same service: on the same network under the same aliases, marking what it replaces.
        var body = engine.Containers.CreateBodies[replacement.Id];
        Assert.True(body["HostConfig"]!["ReadonlyRootfs"]!.GetValue<bool>());
        Assert.Superset(new HashSet<string> { "NET_RAW", "MKNOD", "SYS_ADMIN" }, body["HostConfig"]!["CapDrop"]!.AsArray().Select(c => c!.GetValue<string>()).ToHashSet());
        Assert.Equal(FakeBreach.Id, body["Labels"]![RedeployPlanner.LabelReplaces]!.GetValue<string>());
        Assert.Equal(["frontend"], replacement.Networks.Select(n => n.Network));
        Assert.Superset(new HashSet<string> { "web", "shop" }, replacement.Networks[0].Aliases.ToHashSet());

        // Order: the commit, then a read-only canary of the replacement passes before the suspect is killed.
        var calls = engine.CallsWithTargets.ToList();
        var kill = calls.FindIndex(c => c.Call == "kill" && c.Target == FakeBreach.Id);
        var preflight = calls.FindIndex(c => c.Call == "start" && c.Target != result.ReplacementId);
        Assert.InRange(calls.FindIndex(c => c.Call == "commit"), 0, kill);
        Assert.InRange(preflight, 0, kill);
        Assert.True(calls.FindIndex(c => c.Call == "start" && c.Target == result.ReplacementId) > kill);
        Assert.Single(calls, c => c.Call == "kill" && c.Target == FakeBreach.Id);

        // Paused first, then inspected once before the kill: the frozen inspect opens the case, is the evidence, and serves the plan, preflight and kill.
        Assert.Equal(("pause", "web"), calls[0]);
        Assert.Equal(1, calls.Take(kill).Count(c => c.Call == "inspect" && c.Target is "web" or FakeBreach.Id));
        // And once after the relaunch, by its id: the extraction reading its kept layer.
        Assert.Equal(1, calls.Skip(kill).Count(c => c.Call == "inspect" && c.Target == FakeBreach.Id));

        var custody = await CustodyLog.ReadAsync(Path.Combine(result.CaseDir, "custody.jsonl"), CancellationToken.None);
        Assert.Single(custody, c => c.Action == "case.open");
        Assert.Single(custody, c => c.Action == "redeploy.plan");
        Assert.Contains(custody, c => c is { Action: "replacement.preflight", Outcome: CustodyOutcome.Succeeded });
        Assert.True(custody.ToList().FindIndex(c => c.Action == "replacement.preflight") < custody.ToList().FindIndex(c => c.Action == "container.kill"));
    }

    [Fact]
    public async Task Respond_WhenTheReplacementCannotBootReadOnly_KillsNothing_AndSaysWhy()
    {
        var (result, engine) = await RespondAsync(c => c.HostConfig.ReadonlyRootfs
            ? new FakeRun(StaysUp: false, ExitCode: 1, Log: ["httpd: could not create /var/cache/httpd/lock: Read-only file system"])
            : FakeRun.Up);

        Assert.False(result.Succeeded);
        Assert.Equal(FailureKind.PreflightFailed, result.FailureKind);
        Assert.Contains("Read-only file system", result.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.CallsWithTargets, c => c.Call is "kill" or "rename" && c.Target == FakeBreach.Id);
        var suspect = engine.Get(FakeBreach.Id);
        Assert.Equal(("web", true), (suspect.Name, suspect.State.Running));

        // Both canaries (the profile's, the preflight's) are removed once the CLI would let go of the engine; only the suspect is left.
        await CanaryRunner.DrainRemovalsAsync();
        Assert.Equal([FakeBreach.Id], engine.Containers.All.Select(c => c.Id));
        Assert.Null(result.ReplacementId);
    }

    [Fact]
    public async Task Respond_WithACanary_LearnsWhereTheAppWritesAtStart_AndTheReplacementGetsItWritable()
    {
        // The clean image's canary writes a lock under /var/cache/app at start; the suspect's change set never shows it.
        var (result, engine) = await RespondAsync(c => c.Config.Labels.ContainsKey(ReplacementRequest.LabelCanary) && !c.HostConfig.ReadonlyRootfs
            ? new FakeRun(Writes: [new ChangeEntry("/var/cache", ChangeKind.Changed), new ChangeEntry("/var/cache/app", ChangeKind.Added), new ChangeEntry("/var/cache/app/lock", ChangeKind.Added)])
            : FakeRun.Up);

        Assert.True(result.Succeeded, result.Failure);
        var plan = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(result.CaseDir, RedeployPlan.FileName)));
        var writable = plan.RootElement.GetProperty("writable").EnumerateArray().Select(w => w.GetProperty("path").GetString()).ToList();
        Assert.Contains("/var/cache/app", writable);
        Assert.Contains("/var/run", writable);
        Assert.DoesNotContain(writable, w => w!.StartsWith("/var/www", StringComparison.Ordinal));

        // Two canaries (the profile, writable; the preflight, read-only) and the replacement were created; the canaries are gone.
        Assert.Equal(3, engine.Calls.Count(c => c == "create"));
        await CanaryRunner.DrainRemovalsAsync();
        Assert.Equal([FakeBreach.Id, result.ReplacementId], engine.Containers.All.Select(c => c.Id));
    }

    public void Dispose()
    {
        foreach (var breach in breaches)
        {
            breach.Dispose();
        }

        Directory.Delete(cases, recursive: true);
    }
}
