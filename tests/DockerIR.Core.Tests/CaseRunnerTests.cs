using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Response;
using DockerIR.Testing;
using Serilog.Core;

namespace DockerIR.Core.Tests;

/// <summary>
/// The runner, the bundle and verify without an engine: a run of snapshot → bundle → verify on the fake engine, then
/// the sealed bundle checked, altered and checked again.
/// </summary>
public sealed class CaseRunnerTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("dockerir-runner-tests-").FullName;
    private readonly Actor actor = new("alice", "ir-host", "9.9.9");

    private static FakeEngine Breached() => new FakeEngine().Add(
        FakeEngine.Container("c0ffee0000000000000000000000000000000000000000000000000000000002", "web"),
        new ChangeEntry("/var/www/html/shell.php", ChangeKind.Added),
        new ChangeEntry("/var/run/httpd.pid", ChangeKind.Added));

    private async Task<(CaseRunResult Result, FakeEngine Engine)> RunAsync(params StepSpec[] steps)
    {
        var engine = Breached();
        using var http = new HttpClient();
        var result = await new CaseRunner(engine, actor, TimeProvider.System, Logger.None, http)
            .StartAsync("web", null, root, "respond", steps, null, CancellationToken.None);
        return (result, engine);
    }

    [Fact]
    public async Task Run_SnapshotBundleVerify_OneCaseOpenOneCommit_StepsJournaled_AndABundleWithoutExtractionNeverPassesAsEvidence()
    {
        var (result, engine) = await RunAsync(StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Bundle), StepSpec.Of(StepSpec.Verify));

        // No extract ran: the bundle is sealed, but verify refuses it as evidence (no manifest).
        Assert.False(result.Succeeded);
        Assert.Equal(FailureKind.VerificationFailed, result.FailureKind);
        Assert.Contains("manifest.json", result.Failure, StringComparison.Ordinal);
        Assert.Equal(["done", "done", "failed"], result.Steps.Select(s => s.Outcome));
        Assert.False(result.EvidenceComplete);
        Assert.True(File.Exists(result.BundlePath));
        Assert.Single(engine.Commits);
        Assert.Equal(["/var/www/html/shell.php"], result.Suspicious);
        var custody = await CustodyLog.ReadAsync(Path.Combine(result.CaseDir, "custody.jsonl"), CancellationToken.None);
        Assert.Single(custody, c => c.Action == "case.open");
        Assert.Equal(["1:snapshot", "1:snapshot", "2:bundle", "2:bundle", "3:verify", "3:verify"], custody.Where(c => c.Action == "run.step").Select(c => c.Target));
        Assert.Equal(("run.end", CustodyOutcome.Failed), (custody[^1].Action, custody[^1].Outcome));
    }

    [Fact]
    public async Task Run_ASnapshotFirst_PausesBeforeAnyInspect_AndKeepsTheFrozenInspect_OneAfterAWaitFreezesFirstAgain()
    {
        var (first, engine) = await RunAsync(StepSpec.Of(StepSpec.Snapshot));
        var (_, later) = await RunAsync(StepSpec.Of(StepSpec.Wait, ("seconds", "0")), StepSpec.Of(StepSpec.Snapshot));

        // First: the pause by the name given, then one inspect, the frozen container's, which opens the case and is the evidence.
        Assert.Equal(["pause", "inspect", "top"], engine.Calls.Take(3));
        Assert.Single(engine.Calls, c => c == "inspect");
        var custody = await CustodyLog.ReadAsync(Path.Combine(first.CaseDir, "custody.jsonl"), CancellationToken.None);
        Assert.Contains(custody, c => c is { Action: "container.pause", Outcome: CustodyOutcome.Succeeded });
        Assert.Equal("paused", (await CaseDirectory.OpenAsync(first.CaseDir, CancellationToken.None)).Record.Container.StateAtSnapshot);
        // After a wait the opening inspect may be stale: the snapshot freezes first again, then inspects the frozen container.
        Assert.Equal(["inspect", "pause", "inspect", "top"], later.Calls.Take(4));
    }

    [Fact]
    public async Task Start_WhenNoCaseCanBeOpened_UnpausesWhatItPaused_AndFails()
    {
        var engine = Breached();
        var blocked = Path.Combine(root, "blocked");
        await File.WriteAllTextAsync(blocked, "a file where the case folder would go");
        using var http = new HttpClient();

        await Assert.ThrowsAnyAsync<Exception>(() => new CaseRunner(engine, actor, TimeProvider.System, Logger.None, http)
            .StartAsync("web", Path.Combine(blocked, "case"), root, "respond", [StepSpec.Of(StepSpec.Snapshot)], null, CancellationToken.None));

        Assert.Equal(["pause", "inspect", "unpause"], engine.Calls);
        Assert.False(engine.Get("web").State.Paused);
    }

    [Fact]
    public async Task Verify_OfTheSealedBundle_ChecksEveryFile_AndOneAlteredByteInTheCaseIsNamed()
    {
        var (result, _) = await RunAsync(StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Bundle));

        // Every file matches its hash; the one problem is the missing manifest (nothing was extracted).
        var sealedBundle = await VerifyWorkflow.RunAsync(result.BundlePath!, CancellationToken.None);
        Assert.Equal(["manifest.json"], sealedBundle.Problems.Select(p => p.Name));
        Assert.True(sealedBundle.FilesChecked > 5);

        var inspect = Path.Combine(result.CaseDir, "container", "inspect.json");
        var bytes = await File.ReadAllBytesAsync(inspect);
        bytes[^2] ^= 0x20;
        await File.WriteAllBytesAsync(inspect, bytes);
        var altered = await VerifyWorkflow.RunAsync(result.CaseDir, CancellationToken.None);

        Assert.False(altered.Intact);
        Assert.Contains(altered.Problems, p => p.Name == "container/inspect.json");
    }

    [Fact]
    public async Task Verify_WithAnEmptiedSha256Sums_ChecksNothingSoPassesNothing()
    {
        var (result, _) = await RunAsync(StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Bundle));
        await File.WriteAllTextAsync(Path.Combine(result.CaseDir, "case.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(result.CaseDir, "SHA256SUMS"), "");

        var verified = await VerifyWorkflow.RunAsync(result.CaseDir, CancellationToken.None);

        Assert.False(verified.Intact);
        Assert.Contains(verified.Problems, p => p is { Kind: "extra", Name: "case.json" });
        Assert.Contains(verified.Problems, p => p is { Kind: "extra", Name: "custody.jsonl" });
    }

    [Theory]
    [InlineData("fifo")]
    [InlineData("symlink")]
    public async Task Verify_OfACaseWhoseSha256SumsIsAFifoOrALink_EndsAtOnceRefusingIt(string kind)
    {
        var (result, _) = await RunAsync(StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Bundle));
        var sums = Path.Combine(result.CaseDir, "SHA256SUMS");
        File.Delete(sums);
        if (kind == "fifo")
        {
            Assert.Equal(0, (await ProcessRunner.RunAsync("mkfifo", [sums])).ExitCode);
        }
        else
        {
            File.CreateSymbolicLink(sums, "/etc/passwd");
        }

        // A FIFO opened for reading would wait for a writer forever: the verification must end on its own.
        var e = await Assert.ThrowsAsync<DockerIRException>(() => VerifyWorkflow.RunAsync(result.CaseDir, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(FailureKind.VerificationFailed, e.Kind);
        Assert.Contains("SHA256SUMS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OfABundleWhoseSha256PointsAtAnEndlessDevice_ReadsABoundedAmountAndNamesIt()
    {
        var (result, _) = await RunAsync(StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Bundle));
        File.Delete(result.BundlePath + ".sha256");
        File.CreateSymbolicLink(result.BundlePath + ".sha256", "/dev/zero");

        var verified = await VerifyWorkflow.RunAsync(result.BundlePath!, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(verified.Problems, p => p.Name == Path.GetFileName(result.BundlePath) + ".sha256" && p.Detail.Contains("symbolic link", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_OfAFinishedRun_RunsNothingAgain()
    {
        var (first, engine) = await RunAsync(StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Bundle));
        using var http = new HttpClient();

        var resumed = await new CaseRunner(engine, actor, TimeProvider.System, Logger.None, http).ResumeAsync(first.CaseDir, null, CancellationToken.None);

        Assert.Equal(["done-before", "done-before"], resumed.Steps.Select(s => s.Outcome));
        Assert.Single(engine.Commits);
        Assert.Equal(first.BundlePath, resumed.BundlePath);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
