using DockerIR.Core.Case;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;
using Serilog.Core;

namespace DockerIR.Core.Tests;

/// <summary>contain and its undo without an engine: networks cut and the suspect frozen, then put back as they were.</summary>
public sealed class ContainmentWorkflowTests : IDisposable
{
    private readonly string cases = Directory.CreateTempSubdirectory("dockerir-contain-tests-").FullName;
    private FakeBreach? breach;

    private async Task<(ContainmentWorkflow Workflow, FakeEngine Engine)> BreachAsync()
    {
        breach = await FakeBreach.CreateAsync();
        return (new ContainmentWorkflow(breach.Engine, new Actor("alice", "ir-host", "9.9.9"), TimeProvider.System, Logger.None), breach.Engine);
    }

    [Fact]
    public async Task Contain_CutsEveryNetworkAndFreezes_RecordingWhatUndoNeeds_AndUndoPutsItBack()
    {
        var (workflow, engine) = await BreachAsync();

        var contained = await workflow.ContainAsync("web", null, cases, CancellationToken.None);

        var suspect = engine.Get(FakeBreach.Id);
        Assert.Empty(suspect.Networks);
        Assert.True(suspect.State.Paused);
        Assert.Equal(["disconnected from frontend", "paused"], contained.Actions);
        // Recorded before anything changed (a crash half-way still leaves what undo needs).
        var calls = engine.Calls.ToList();
        Assert.Equal(["inspect", "disconnect", "pause"], calls);

        var undone = await workflow.UndoAsync("web", contained.CaseDir, cases, CancellationToken.None);

        suspect = engine.Get(FakeBreach.Id);
        Assert.False(suspect.State.Paused);
        var network = Assert.Single(suspect.Networks);
        Assert.Equal("frontend", network.Network);
        Assert.Equal(["web", "shop"], network.Aliases);
        Assert.Equal(["reconnected to frontend", "unpaused"], undone.Actions);
        var custody = await CustodyLog.ReadAsync(Path.Combine(contained.CaseDir, "custody.jsonl"), CancellationToken.None);
        Assert.Equal(["contain.disconnect", "contain.pause", "contain.undo.connect", "contain.undo.unpause"],
            custody.Where(c => c.Action.StartsWith("contain.", StringComparison.Ordinal)).Select(c => c.Action));
    }

    [Fact]
    public async Task Contain_OfAnAlreadyPausedSuspect_LeavesItPaused_AndUndoDoesNotUnpauseWhatItDidNotPause()
    {
        var (workflow, engine) = await BreachAsync();
        await engine.PauseAsync(FakeBreach.Id, CancellationToken.None);

        var contained = await workflow.ContainAsync("web", null, cases, CancellationToken.None);
        var undone = await workflow.UndoAsync("web", contained.CaseDir, cases, CancellationToken.None);

        Assert.Equal(["disconnected from frontend"], contained.Actions);
        Assert.Equal(["reconnected to frontend"], undone.Actions);
        Assert.True(engine.Get(FakeBreach.Id).State.Paused);
        Assert.Single(engine.Calls, c => c == "pause");
        Assert.DoesNotContain("unpause", engine.Calls);
    }

    [Fact]
    public async Task Undo_WithNoContainmentRecorded_RefusesAndChangesNothing()
    {
        var (workflow, engine) = await BreachAsync();

        var e = await Assert.ThrowsAsync<DockerIRException>(() => workflow.UndoAsync("web", null, cases, CancellationToken.None));

        Assert.Equal(FailureKind.NotFound, e.Kind);
        Assert.Equal(["inspect"], engine.Calls);
        Assert.Single(engine.Get(FakeBreach.Id).Networks);
    }

    public void Dispose()
    {
        breach?.Dispose();
        Directory.Delete(cases, recursive: true);
    }
}
