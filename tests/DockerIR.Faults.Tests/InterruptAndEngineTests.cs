using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Faults.Tests;

/// <summary>Ctrl-C, an engine restart, and a suspect that exits or is removed by someone else, each in the middle of a respond.</summary>
public sealed class InterruptAndEngineTests(DemoAppFixture demo, ITestOutputHelper output) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("dockerir-faults-engine-").FullName;

    [Theory]
    [InlineData("interrupt", 130, "interrupted")]
    [InlineData("terminate", 143, "terminated (SIGTERM)")]
    public async Task CtrlCOrSigterm_MidExtraction_StopsCleanly_CustodySaysInterrupted_ResumeFinishes(string action, int code, string said)
    {
        var (app, outDir, reference) = await PrepareAsync(action);

        var interrupted = await FaultKit.RunAsync(Respond(app, outDir), $"{FaultPoints.ExtractEntry}:2:{action}");

        var line = FaultKit.OneLineFailure(interrupted, code);
        Assert.Contains(said, line, StringComparison.Ordinal);
        Assert.Contains("--resume", line, StringComparison.Ordinal);
        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        var custody = FaultKit.Custody(caseDir);
        Assert.Contains(custody, r => r.Action == "extract" && r.Outcome == CustodyOutcome.Interrupted);
        Assert.Contains(custody, r => r.Action == "run.step" && r.Target == "3:extract" && r.Outcome == CustodyOutcome.Interrupted);
        Assert.False(File.Exists(Path.Combine(caseDir, Manifest.FileName)), "an interrupted extraction must not leave a manifest");
        Assert.False(File.Exists(caseDir + ".tar.gz"));
        await FaultKit.CheckAfterFaultAsync(demo.Engine, app.ContainerId, outDir, reference, action);

        FaultKit.Success(await FaultKit.RunAsync(["respond", "--resume", caseDir, "--yes"], fault: null), $"resume after {action}");
        await FaultKit.CheckFinishedAsync(demo.Engine, app.ContainerId, caseDir, reference, action);
        FaultKit.Say(output, $"{action}: {FaultPoints.ExtractEntry}:2:{action}: exit {code}, '{line}'; resume finished");
    }

    [Fact]
    public async Task ContainerRemovedBetweenDiffAndCommit_FailsNotFound_NothingClaimed()
    {
        var (app, outDir, reference) = await PrepareAsync("removed");

        var result = await FaultKit.RunStalledAsync(Respond(app, outDir), FaultPoints.SnapshotCommit, 1, work,
            async () => FaultKit.Success(await ProcessRunner.DockerAsync("rm", "-f", app.ContainerId), "docker rm -f"));

        var line = FaultKit.OneLineFailure(result, 3);
        Assert.Contains(app.ContainerId[..12], line, StringComparison.Ordinal);
        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        Assert.False(FaultKit.SnapshotRecorded(caseDir), "no snapshot may be recorded for a container that was gone before its commit");
        Assert.False(File.Exists(caseDir + ".tar.gz"));
        Assert.Empty(await demo.Engine.ListImagesAsync([$"{EvidenceImage.LabelSourceContainer}={app.ContainerId}"], CancellationToken.None));
        Assert.Contains(FaultKit.Custody(caseDir), r => r.Action == "run.step" && r.Target == "1:snapshot" && r.Outcome == CustodyOutcome.Failed);
        await FaultKit.CheckAfterFaultAsync(demo.Engine, app.ContainerId, outDir, reference, "removed", othersStopIt: true);
        FaultKit.Say(output, $"removed between diff and commit: exit 3, '{line}'");
    }

    [Fact]
    public async Task ContainerExitedBetweenDiffAndCommit_EvidenceIsCommittedFromTheStoppedContainer_NoKillNeeded()
    {
        var (app, outDir, reference) = await PrepareAsync("exited");

        var result = await FaultKit.RunStalledAsync(Respond(app, outDir), FaultPoints.SnapshotCommit, 1, work,
            async () => FaultKit.Success(await ProcessRunner.DockerAsync("kill", app.ContainerId), "docker kill"));

        FaultKit.Success(result, "respond after the suspect exited");
        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        await FaultKit.CheckFinishedAsync(demo.Engine, app.ContainerId, caseDir, reference, "exited");
        Assert.Contains(FaultKit.Custody(caseDir), r => r.Action == "container.kill" && r.Outcome == CustodyOutcome.Skipped);
        FaultKit.Say(output, "exited between diff and commit: committed from the stopped container, kill skipped, relaunched");
    }

    [Fact]
    public async Task EngineRestartedDuringExtraction_RespondOrItsResumeFinishes()
    {
        // Restarting the engine stops every container on it: never do that to containers that are not the tests'.
        var others = (await demo.Engine.ListContainersAsync(new ContainerListFilter(All: false), CancellationToken.None))
            .Where(c => !c.Labels.ContainsKey(TestResources.TestLabel)).Select(c => c.Names.Count > 0 ? c.Names[0] : c.Id).ToList();
        Assert.True(others.Count == 0, $"this engine runs containers that are not the tests' ({string.Join(", ", others)}); restarting it would stop them. Run the fault suite on an engine of its own (CI does).");
        var (app, outDir, reference) = await PrepareAsync("restart");

        var result = await FaultKit.RunStalledAsync(Respond(app, outDir), FaultPoints.ExtractEntry, 1, work, async () =>
        {
            var restart = await ProcessRunner.RunAsync("bash", ["-c", $"source '{Path.Combine(Checkout.Root(), "scripts", "engine.sh")}' && restart_engine"], timeout: TimeSpan.FromMinutes(2));
            FaultKit.Success(restart, "restart_engine");
            await TestEngine.ConnectAsync();
        });

        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        var how = "finished through the restart";
        if (result.ExitCode != 0)
        {
            var line = FaultKit.OneLineFailure(result, result.ExitCode);
            await FaultKit.CheckAfterFaultAsync(demo.Engine, app.ContainerId, outDir, reference, "restart", othersStopIt: true);
            FaultKit.Success(await FaultKit.RunAsync(["respond", "--resume", caseDir, "--yes"], fault: null), "resume after the engine restart");
            how = $"failed with exit {result.ExitCode} ('{line}'), resume finished";
        }

        // Service first: the relaunch came before the extraction, and the restart stopped the replacement with every other container.
        await FaultKit.CheckFinishedAsync(demo.Engine, app.ContainerId, caseDir, reference, "restart", engineRestarted: true);
        FaultKit.Say(output, $"engine restarted during extraction: {how}");
    }

    /// <summary>A breached app, its output directory, and the reference change set of the demo breach.</summary>
    private async Task<(BreachedApp App, string OutDir, List<string> Reference)> PrepareAsync(string stem)
    {
        var app = await demo.StartBreachedAsync(stem);
        return (app, Path.Combine(work, stem), await ReferenceAsync(demo, work, stem));
    }

    /// <summary>
    /// The change set of one undisturbed breach, extracted without a redeploy: the same for every breached demo app,
    /// so it is made once for the whole suite.
    /// </summary>
    internal static async Task<List<string>> ReferenceAsync(DemoAppFixture demo, string work, string stem)
    {
        await ReferenceGate.WaitAsync();
        try
        {
            if (reference is null)
            {
                var app = await demo.StartBreachedAsync(stem + "-ref");
                var outDir = Path.Combine(work, stem + "-ref");
                FaultKit.Success(await FaultKit.RunAsync(["respond", app.ContainerName, "--out-dir", outDir, "--no-redeploy"], fault: null), "the reference respond");
                reference = FaultKit.ManifestKey(Assert.Single(FaultKit.Cases(outDir)));
            }

            return reference;
        }
        finally
        {
            ReferenceGate.Release();
        }
    }

    private static readonly SemaphoreSlim ReferenceGate = new(1, 1);
    private static List<string>? reference;

    internal static string[] Respond(BreachedApp app, string outDir) =>
        ["respond", app.ContainerName, "--out-dir", outDir, "--probe", app.BaseAddress.ToString(), "--yes"];

    public void Dispose() => Directory.Delete(work, recursive: true);
}
