using System.Text.Json;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Snapshot;
using DockerIR.Testing;
using Serilog.Core;

namespace DockerIR.Core.Tests;

public sealed class SnapshotWorkflowTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dockerir-snap-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Actor actor = new("alice", "ir-host", "9.9.9");

    private SnapshotWorkflow Workflow(FakeEngine engine) => new(engine, actor, TimeProvider.System, Logger.None, AuditReports.Of);

    private static FakeEngine Breached(bool running = true, bool paused = false) => new FakeEngine().Add(
        FakeEngine.Container("c0ffee0000000000000000000000000000000000000000000000000000000001", "web", running: running, paused: paused),
        new ChangeEntry("/var/www/html/shell.php", ChangeKind.Added),
        new ChangeEntry("/var/run/httpd.pid", ChangeKind.Added));

    [Fact]
    public async Task RunAsync_RunningContainer_PausesFirstThenReadsTheFrozenStateBesideTheCommit()
    {
        var engine = Breached();

        await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        // The pause by the name given, then the one inspect, of the frozen container; then the commit runs beside the
        // reads of the volatile state and the change set, which keep their order.
        var calls = engine.Calls.ToList();
        Assert.Equal(["pause", "inspect"], calls.Take(2));
        Assert.Single(calls, c => c == "inspect");
        Assert.Equal(1, calls.Count(c => c == "commit"));
        Assert.True(calls.IndexOf("commit") > 1);
        Assert.Equal(["top", "logs", "image-inspect", "changes"], calls.Skip(2).Where(c => c != "commit"));
    }

    [Fact]
    public async Task RunAsync_WhenItsCaseFolderCannotBeMade_UnpausesWhatItPaused_AndFails()
    {
        var engine = Breached();
        var blocked = root + "-file";
        await File.WriteAllTextAsync(blocked, "a file where the case folder's parent would be");

        await Assert.ThrowsAnyAsync<Exception>(() => Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = Path.Combine(blocked, "case") }, null, CancellationToken.None));

        Assert.Equal(["pause", "inspect", "unpause"], engine.Calls);
        Assert.False(engine.Get("web").State.Paused);
        File.Delete(blocked);
    }

    [Fact]
    public async Task RunAsync_InACaseARunOpened_AddsNoSecondCaseOpenLine()
    {
        var engine = Breached();
        Directory.CreateDirectory(root); // the run made it (and wrote its case.open line)

        var result = await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root, ResumeCaseId = "20261203-120000-abcd" }, null, CancellationToken.None);

        var custody = await CustodyLog.ReadAsync(Path.Combine(root, "custody.jsonl"), CancellationToken.None);
        Assert.DoesNotContain(custody, c => c.Action == "case.open");
        Assert.Equal("container.pause", custody[0].Action);
        Assert.Equal("20261203-120000-abcd", result.CaseId);
    }

    [Fact]
    public async Task RunAsync_CommitsWithCaseLabelsAndEvidenceTag()
    {
        var engine = Breached();

        var result = await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        var commit = Assert.Single(engine.Commits);
        Assert.Equal("dockerir-evidence/web", commit.Repository);
        Assert.Equal(result.CaseId, commit.Tag);
        Assert.Equal(result.CaseId, commit.Labels[EvidenceImage.LabelCase]);
        Assert.Equal(result.ContainerId, commit.Labels[EvidenceImage.LabelSourceContainer]);
        Assert.Equal(engine.Get(result.ContainerId).ImageId, commit.Labels[EvidenceImage.LabelSourceImage]);
        Assert.True(DateTimeOffset.TryParse(commit.Labels[EvidenceImage.LabelCreated], out _));
        Assert.False(commit.Pause);
    }

    [Fact]
    public async Task RunAsync_CommitsWhileTheChangeSetIsRead()
    {
        var engine = Breached();
        // The change set is answered only once the commit was asked for: a snapshot that waits for the change set
        // before committing times out here.
        engine.BeforeChanges = () => engine.CommitRequested.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var result = await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        Assert.NotNull(result.EvidenceImageId);
        Assert.True(engine.Calls.ToList().IndexOf("pause") < engine.Calls.ToList().IndexOf("commit"), "frozen before the commit");
        Assert.True(engine.Calls.ToList().IndexOf("commit") < engine.Calls.ToList().IndexOf("changes"), "the commit was asked for before the change set was answered");
        var (_, record) = await CaseDirectory.OpenAsync(root, CancellationToken.None);
        Assert.Equal(result.Changes.Count, record.Snapshot?.ChangeCount);
    }

    [Fact]
    public async Task RunAsync_WritesTheCaseFilesAndOneCustodyLinePerAction()
    {
        var engine = Breached();

        var result = await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        foreach (var file in new[] { "case.json", "changes.json", "custody.jsonl", "audit.json", "container/inspect.json", "container/top.json", "container/logs.txt", "container/image-inspect.json" })
        {
            Assert.True(File.Exists(Path.Combine(root, file)), $"{file} missing");
        }

        var custody = await CustodyLog.ReadAsync(Path.Combine(root, "custody.jsonl"), CancellationToken.None);
        CustodyAssert.SnapshotOrder(custody, hostVolatile: false);
        Assert.All(custody, c =>
        {
            Assert.Equal("alice", c.Operator);
            Assert.Equal("ir-host", c.Host);
            Assert.Equal("9.9.9", c.ToolVersion);
            Assert.Equal(result.CaseId, c.CaseId);
            Assert.Equal(TimeSpan.Zero, c.TimeUtc.Offset);
        });
        var (_, record) = await CaseDirectory.OpenAsync(root, CancellationToken.None);
        Assert.Equal(result.EvidenceImageId, record.Snapshot?.EvidenceImageId);
    }

    [Fact]
    public async Task RunAsync_RunningContainer_CustodySaysWhenTheFreezeCame()
    {
        var engine = Breached();

        await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        var pause = (await CustodyLog.ReadAsync(Path.Combine(root, "custody.jsonl"), CancellationToken.None)).Single(c => c.Action == "container.pause");
        Assert.Matches(@"^frozen -?\d+ ms after the command started, before anything else was read", pause.Detail);
    }

    [Fact]
    public async Task RunAsync_ChangesJson_CarriesLettersAndClassifications()
    {
        var engine = Breached();

        await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "changes.json")));
        var shell = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("path").GetString() == "/var/www/html/shell.php");
        Assert.Equal("A", shell.GetProperty("kind").GetString());
        Assert.Equal("suspicious", shell.GetProperty("classification").GetString());
    }

    [Fact]
    public async Task RunAsync_LeavesTheContainerPausedUnlessAskedToUnpause()
    {
        var paused = Breached();
        var resumed = Breached();

        var kept = await Workflow(paused).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);
        var released = await Workflow(resumed).RunAsync(new SnapshotRequest("web") { CaseDir = root + "-2", Unpause = true }, null, CancellationToken.None);

        Assert.True(kept.Paused);
        Assert.True(paused.Get(kept.ContainerId).State.Paused);
        Assert.False(released.Paused);
        Assert.False(resumed.Get(released.ContainerId).State.Paused);
        Directory.Delete(root + "-2", recursive: true);
    }

    [Fact]
    public async Task RunAsync_StoppedContainer_SkipsTopAndThePauseTheEngineRefused_ButCommits()
    {
        var engine = Breached(running: false);

        var result = await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        // The pause is asked first, by name, and refused: nothing runs to freeze. Nothing else is asked twice.
        Assert.Equal(["pause", "inspect"], engine.Calls.Take(2));
        Assert.Single(engine.Calls, c => c == "pause");
        Assert.DoesNotContain("top", engine.Calls);
        Assert.Single(engine.Commits);
        Assert.False(result.Paused);
        var custody = await CustodyLog.ReadAsync(Path.Combine(root, "custody.jsonl"), CancellationToken.None);
        Assert.Equal(CustodyOutcome.Skipped, custody.Single(c => c.Action == "container.top").Outcome);
        Assert.Equal((CustodyOutcome.Skipped, "container is exited"), custody.Single(c => c.Action == "container.pause") is var p ? (p.Outcome, p.Detail) : default);
    }

    [Fact]
    public async Task RunAsync_ProcessListFails_RecordsTheGapAndStillCommits()
    {
        var engine = Breached();
        engine.FailOn["top"] = new EngineApiException(500, "ps failed", "list the container's processes");

        var result = await Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None);

        Assert.Contains(result.Warnings, w => w.Contains("process list", StringComparison.Ordinal));
        Assert.Single(engine.Commits);
        Assert.False(File.Exists(Path.Combine(root, "container/top.json")));
    }

    [Fact]
    public async Task RunAsync_CommitFails_CaseRecordsNoSnapshotAndCustodySaysFailed()
    {
        var engine = Breached();
        engine.FailOn["commit"] = new EngineApiException(500, "no space left on device", "commit the container");

        await Assert.ThrowsAsync<EngineApiException>(() => Workflow(engine).RunAsync(new SnapshotRequest("web") { CaseDir = root }, null, CancellationToken.None));

        var (_, record) = await CaseDirectory.OpenAsync(root, CancellationToken.None);
        Assert.Null(record.Snapshot);
        var custody = await CustodyLog.ReadAsync(Path.Combine(root, "custody.jsonl"), CancellationToken.None);
        Assert.Equal(CustodyOutcome.Failed, custody[^1].Outcome);
    }

    [Fact]
    public async Task RunAsync_UnknownContainer_CreatesNoCaseDirectory()
    {
        var engine = Breached();

        await Assert.ThrowsAsync<ContainerNotFoundException>(() =>
            Workflow(engine).RunAsync(new SnapshotRequest("nope") { CaseDir = root }, null, CancellationToken.None));

        Assert.False(Directory.Exists(root));
    }

    [Theory]
    [InlineData("web", "dockerir-evidence/web")]
    [InlineData("My_App.Prod", "dockerir-evidence/my-app-prod")]
    [InlineData("__", "dockerir-evidence/container")]
    public void EvidenceRepository_ContainerNames_BecomeValidRepositories(string name, string expected)
    {
        Assert.Equal(expected, SnapshotWorkflow.EvidenceRepository(name));
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
