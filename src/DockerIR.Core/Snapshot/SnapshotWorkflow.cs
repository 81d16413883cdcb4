using System.Text;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using Serilog;

namespace DockerIR.Core.Snapshot;

/// <summary>What to snapshot and where to put the case.</summary>
public sealed record SnapshotRequest(string Container)
{
    /// <summary>The case directory; null for &lt;CasesRoot&gt;/&lt;case-id&gt;.</summary>
    public string? CaseDir { get; init; }

    public string CasesRoot { get; init; } = CaseLocator.DefaultRoot;

    /// <summary>Resume the container after the commit instead of leaving it paused.</summary>
    public bool Unpause { get; init; }

    public int LogTailLines { get; init; } = 10_000;

    public long LogMaxBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Continue a case that a run opened before (respond, playbooks): the directory and its case id exist already,
    /// and an evidence image this case already committed is adopted instead of committed twice.
    /// </summary>
    public string? ResumeCaseId { get; init; }

    /// <summary>
    /// Called once the change set is recorded, while the engine commits, with the frozen container's inspect: work that
    /// may run before the commit ends (a respond starts the redeploy's canaries here). It must only start that work, not
    /// wait for it.
    /// </summary>
    public Action<ContainerInspection>? OnChangesRecorded { get; init; }

    /// <summary>
    /// The container as the caller inspected it a moment before (the run that opened the case for it), so the snapshot
    /// does not ask the engine again before the freeze; null to inspect it here.
    /// </summary>
    public ContainerInspection? Inspected { get; init; }

    /// <summary>
    /// When the caller paused the container itself, before the inspect it hands over in <see cref="Inspected"/> (which is
    /// then the frozen container's own): the snapshot counts that pause as its freeze and does not ask the engine again.
    /// </summary>
    public DateTimeOffset? PausedAt { get; init; }

    /// <summary>Whose memory to dump from the host's /proc (none unless asked), and the cap on all dumps together.</summary>
    public MemorySelection Memory { get; init; } = MemorySelection.None;
}

/// <summary>What a snapshot produced.</summary>
public sealed record SnapshotResult(
    string CaseDir,
    string CaseId,
    string ContainerId,
    string ContainerName,
    string OriginalImage,
    string EvidenceImageId,
    string EvidenceImageTag,
    bool Paused,
    IReadOnlyList<ClassifiedChange> Changes,
    IReadOnlyList<string> Warnings)
{
    /// <summary>What the host's /proc showed of the frozen container; null when it could not be read (the reason is a warning).</summary>
    public VolatileSummary? Volatile { get; init; }
}

/// <summary>The counts of a snapshot's volatile capture, for the operator's summary.</summary>
public sealed record VolatileSummary(int Processes, int Programs, int DeletedPrograms, int Sockets, int Established, int MemoryDumps, long MemoryBytes, int Gaps);

/// <summary>
/// Takes a container's snapshot: freeze first (pause, the first thing done to it), then the frozen container's inspect;
/// then the commit as a labelled evidence image (<see cref="EvidenceImage"/>) while, in order of volatility, its
/// processes, logs, the original image's inspect and its change set are read. It reads only through daemon-side
/// endpoints and never runs anything inside the container.
/// </summary>
/// <param name="audit">The audit of the frozen container's configuration, kept in the case as audit.json (the caller hands in the audit's rules: <c>AuditReports.Of</c>).</param>
public sealed class SnapshotWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log,
    Func<IEnumerable<ContainerInspection>, DateTimeOffset, string, AuditReport> audit)
{
    public async Task<SnapshotResult> RunAsync(SnapshotRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Freeze first: the pause is the first thing done to the container, before anything else is read or written,
        // so the attacker is stopped at once and every volatile thing read after it is as it was at this instant.
        // Unless the caller froze and inspected it already, the pause goes by the name given, before any inspect.
        progress?.Report("pause");
        var (inspect, pausedAt) = request.Inspected is { } given ? (given, request.PausedAt) : await FreezeFirstAsync(engine, request.Container, clock, cancellationToken);

        var caseId = request.ResumeCaseId ?? CaseDirectory.NewCaseId(clock);
        var path = request.CaseDir ?? Path.Combine(request.CasesRoot, caseId);
        CaseDirectory dir;
        try
        {
            dir = request.ResumeCaseId is null ? CaseDirectory.CreateNew(path) : CaseDirectory.Attach(path);
        }
        catch (Exception) when (pausedAt is not null && request.Inspected is null)
        {
            // No case to record it in: the container goes back to running, as it was before this snapshot touched it.
            await engine.UnpauseAsync(inspect.Id, CancellationToken.None);
            throw;
        }

        var custody = new CustodyLog(dir.CustodyPath, caseId, actor, clock);
        var target = $"{inspect.Name} ({inspect.Id})";
        var (pausedByUs, pauseOutcome) = pausedAt is { } at ? (true, Frozen(inspect, at)) : await FreezeAsync(inspect, cancellationToken);
        log.CaseOpened(caseId, dir.Root, EngineIds.Abbreviate(inspect.Id));

        var warnings = new List<string>();
        var record = new CaseRecord(CaseRecord.CurrentFormatVersion, caseId, clock.GetUtcNow(), actor.ToolVersion, engine.Endpoint,
            new CaseContainer(inspect.Id, inspect.Name, inspect.ImageReference, inspect.ImageId, inspect.State.Status), Snapshot: null);
        if (request.ResumeCaseId is null)
        {
            // A case a run opened (respond, a playbook) has its case.open line already.
            await custody.AppendAsync("case.open", target, CustodyOutcome.Succeeded, $"engine {engine.Endpoint}", cancellationToken);
        }
        await custody.AppendAsync("container.pause", target, pauseOutcome.Outcome, pauseOutcome.Detail, cancellationToken);

        try
        {
            if (pausedByUs && pausedAt is null)
            {
                // The inspect kept in the case is the frozen container's.
                inspect = await engine.InspectContainerAsync(inspect.Id, cancellationToken);
            }

            await dir.WriteBytesAsync(CaseDirectory.InspectFile, inspect.RawJson, cancellationToken);
            await custody.AppendAsync("container.inspect", target, CustodyOutcome.Succeeded, $"state {inspect.State.Status}", cancellationToken);
            var audited = audit([inspect], clock.GetUtcNow(), actor.ToolVersion);
            await dir.WriteJsonAsync(AuditReport.FileName, audited, CaseJson.Indented.AuditReport, cancellationToken);
            await custody.AppendAsync("container.audit", target, CustodyOutcome.Succeeded,
                $"{audited.AllFindings.Count()} findings ({audited.AllFindings.Count(f => f.Severity == Severity.High)} high): {string.Join(", ", audited.AllFindings.Select(f => f.Id))}", cancellationToken);
            await dir.WriteJsonAsync(CaseDirectory.CaseFile, record, CaseJson.Indented.CaseRecord, cancellationToken);

            // In order of volatility, while frozen and before the commit: processes, their programs, sockets, memory.
            progress?.Report("processes");
            var volatileSummary = await CaptureHostVolatileAsync(dir, custody, inspect, target, pausedByUs || inspect.State.Paused, request.Memory, warnings, cancellationToken);

            // The commit starts as soon as the frozen container's inspect is kept. The volatile state and the change set
            // are read while the engine commits (the same frozen layer, which cannot change): the commit is most of the
            // time the service is down, and it no longer waits for them.
            progress?.Report("commit");
            var committing = CommitOrAdoptAsync(custody, inspect, caseId, target, request.ResumeCaseId is not null, cancellationToken);
            IReadOnlyList<ClassifiedChange> classified;
            int suspicious;
            try
            {
                progress?.Report("processes");
                await CaptureProcessesAsync(dir, custody, inspect, target, warnings, cancellationToken);

                progress?.Report("logs");
                await CaptureLogsAsync(dir, custody, inspect, target, request, warnings, cancellationToken);

                progress?.Report("image");
                await CaptureImageAsync(dir, custody, inspect, warnings, cancellationToken);

                progress?.Report("changes");
                var changes = await engine.GetChangesAsync(inspect.Id, cancellationToken);
                classified = ChangeClassifier.Classify(changes);
                await dir.WriteJsonAsync(CaseDirectory.ChangesFile, classified, CaseJson.Indented.IReadOnlyListClassifiedChange, cancellationToken);
                suspicious = classified.Count(c => c.Classification == Classification.Suspicious);
                await custody.AppendAsync("container.changes", target, CustodyOutcome.Succeeded,
                    $"{classified.Count} entries, {suspicious} suspicious", cancellationToken);
                log.ChangesRead(classified.Count, EngineIds.Abbreviate(inspect.Id), suspicious);
                request.OnChangesRecorded?.Invoke(inspect);
            }
            catch
            {
                // Nothing is left going on: the commit ends (recorded either way) before the failure is reported.
                try
                {
                    await committing;
                }
                catch (Exception e) when (e is DockerIRException or OperationCanceledException)
                {
                }

                throw;
            }

            progress?.Report("commit");
            var (imageId, tag, committed) = await committing;
            var snapshot = new CaseSnapshot(imageId, tag, committed, LeftPaused: inspect.State.Running || inspect.State.Paused, classified.Count, suspicious);
            record = record with { Snapshot = snapshot };
            await dir.WriteJsonAsync(CaseDirectory.CaseFile, record, CaseJson.Indented.CaseRecord, cancellationToken);
            await custody.AppendAsync("snapshot.recorded", target, CustodyOutcome.Succeeded,
                $"evidence image {snapshot.EvidenceImageId} tagged {snapshot.EvidenceImageTag}, {classified.Count} changes ({suspicious} suspicious)", cancellationToken);

            var paused = inspect.State.Paused || pausedByUs;
            if (request.Unpause && paused)
            {
                progress?.Report("unpause");
                await engine.UnpauseAsync(inspect.Id, cancellationToken);
                await custody.AppendAsync("container.unpause", target, CustodyOutcome.Succeeded, "requested with --unpause", cancellationToken);
                paused = false;
            }

            if (paused != snapshot.LeftPaused)
            {
                record = record with { Snapshot = snapshot with { LeftPaused = paused } };
                await dir.WriteJsonAsync(CaseDirectory.CaseFile, record, CaseJson.Indented.CaseRecord, cancellationToken);
            }

            return new SnapshotResult(dir.Root, caseId, inspect.Id, inspect.Name, inspect.ImageReference,
                snapshot.EvidenceImageId, snapshot.EvidenceImageTag, paused, classified, warnings)
            {
                Volatile = volatileSummary,
            };
        }
        catch (OperationCanceledException)
        {
            await custody.AppendAsync("snapshot", target, CustodyOutcome.Interrupted, "cancelled by the operator", CancellationToken.None);
            throw;
        }
        catch (DockerIRException e)
        {
            await custody.AppendAsync("snapshot", target, CustodyOutcome.Failed, e.Message, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The evidence image's repository for a container name: lowercase, only the characters a repository allows.</summary>
    public static string EvidenceRepository(string containerName)
    {
        ArgumentNullException.ThrowIfNull(containerName);
        var sb = new StringBuilder();
        foreach (var ch in containerName.ToLowerInvariant())
        {
            var ok = ch is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (ok)
            {
                sb.Append(ch);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        var name = sb.ToString().Trim('-');
        if (name.Length > 100)
        {
            name = name[..100].TrimEnd('-');
        }

        return EvidenceImage.RepositoryPrefix + (name.Length == 0 ? "container" : name);
    }

    private async Task<VolatileSummary?> CaptureHostVolatileAsync(CaseDirectory dir, CustodyLog custody, ContainerInspection inspect, string target,
        bool frozen, MemorySelection memory, List<string> warnings, CancellationToken cancellationToken)
    {
        if (HostVolatileCapture.Unavailable(inspect) is { } reason)
        {
            // A container with no process has nothing to lose; one the host cannot show leaves a gap in the evidence.
            var record = inspect.State.Running ? ProcessesRecord.Gap(clock.GetUtcNow(), reason) : ProcessesRecord.NothingRunning(clock.GetUtcNow(), reason);
            await dir.WriteJsonAsync(ProcessesRecord.FileName, record, CaseJson.Indented.ProcessesRecord, cancellationToken);
            if (inspect.State.Running)
            {
                warnings.Add($"processes, programs and sockets not read from the host: {reason}");
            }

            await custody.AppendAsync("container.processes", target, CustodyOutcome.Skipped, reason, cancellationToken);
            return null;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (processes, sockets) = await new HostVolatileCapture(clock).CaptureAsync(dir, inspect, frozen, memory, cancellationToken);
        var deleted = processes.Programs.Count(p => p.Deleted);
        var established = sockets.Sockets.Count(s => s.State == "ESTABLISHED");
        log.HostProcessesRead(processes.Processes.Count, processes.Programs.Count, deleted, sockets.Sockets.Count, EngineIds.Abbreviate(inspect.Id), watch.ElapsedMilliseconds);
        await custody.AppendAsync("container.processes", target, CustodyOutcome.Succeeded,
            $"{processes.Processes.Count} processes read from the host's /proc {(frozen ? "while frozen" : "while running")}; {processes.Programs.Count} programs stored in {ProcessesRecord.ProgramsTar} ({deleted} deleted)", cancellationToken);
        await custody.AppendAsync("container.sockets", target, CustodyOutcome.Succeeded, $"{sockets.Sockets.Count} sockets, {established} established", cancellationToken);
        foreach (var dump in processes.Memory)
        {
            await custody.AppendAsync("container.memory", $"{target} pid {dump.HostPid}", CustodyOutcome.Succeeded,
                $"{dump.Bytes} bytes in {dump.File}, sha256 {dump.Sha256}{(dump.Truncated ? ", cut at the cap" : "")}", cancellationToken);
        }

        foreach (var gap in processes.Gaps)
        {
            warnings.Add(gap);
        }

        return new VolatileSummary(processes.Processes.Count, processes.Programs.Count, deleted, sockets.Sockets.Count, established,
            processes.Memory.Count, processes.Memory.Sum(m => m.Bytes), processes.Gaps.Count);
    }

    private async Task CaptureProcessesAsync(CaseDirectory dir, CustodyLog custody, ContainerInspection inspect, string target,
        List<string> warnings, CancellationToken cancellationToken)
    {
        if (!inspect.State.Running)
        {
            await custody.AppendAsync("container.top", target, CustodyOutcome.Skipped, $"container is {inspect.State.Status}", cancellationToken);
            return;
        }

        try
        {
            var processes = await engine.GetProcessesAsync(inspect.Id, cancellationToken);
            await dir.WriteBytesAsync("container/top.json", processes.RawJson, cancellationToken);
            await custody.AppendAsync("container.top", target, CustodyOutcome.Succeeded, $"{processes.Processes.Count} processes", cancellationToken);
        }
        catch (DockerIRException e) when (e.Kind is not FailureKind.EngineUnreachable)
        {
            warnings.Add($"process list not captured: {e.Message}");
            await custody.AppendAsync("container.top", target, CustodyOutcome.Failed, e.Message, cancellationToken);
        }
    }

    private async Task CaptureLogsAsync(CaseDirectory dir, CustodyLog custody, ContainerInspection inspect, string target,
        SnapshotRequest request, List<string> warnings, CancellationToken cancellationToken)
    {
        try
        {
            var capture = await dir.WriteAtomicAsync("container/logs.txt",
                (stream, ct) => engine.CopyLogsAsync(inspect.Id, new LogRequest(request.LogTailLines, request.LogMaxBytes, inspect.Config.Tty), stream, ct),
                cancellationToken);
            var detail = $"{capture.BytesWritten} bytes, last {request.LogTailLines} lines" + (capture.Truncated ? $", cut at {request.LogMaxBytes} bytes" : "");
            if (capture.Truncated)
            {
                warnings.Add($"logs cut at {request.LogMaxBytes} bytes");
            }

            await custody.AppendAsync("container.logs", target, CustodyOutcome.Succeeded, detail, cancellationToken);
        }
        catch (DockerIRException e) when (e.Kind is not FailureKind.EngineUnreachable)
        {
            warnings.Add($"logs not captured: {e.Message}");
            await custody.AppendAsync("container.logs", target, CustodyOutcome.Failed, e.Message, cancellationToken);
        }
    }

    private async Task CaptureImageAsync(CaseDirectory dir, CustodyLog custody, ContainerInspection inspect,
        List<string> warnings, CancellationToken cancellationToken)
    {
        try
        {
            var image = await engine.InspectImageAsync(inspect.ImageId, cancellationToken);
            await dir.WriteBytesAsync("container/image-inspect.json", image.RawJson, cancellationToken);
            await custody.AppendAsync("image.inspect", $"{inspect.ImageReference} ({inspect.ImageId})", CustodyOutcome.Succeeded,
                $"{image.Size} bytes", cancellationToken);
        }
        catch (ImageNotFoundException e)
        {
            warnings.Add($"original image not inspected: {e.Message}");
            await custody.AppendAsync("image.inspect", inspect.ImageId, CustodyOutcome.Failed, e.Message, cancellationToken);
        }
    }

    /// <summary>Pauses a running container, and says for custody when that happened after the command started.</summary>
    /// <summary>
    /// Pauses the container by the name given before asking the engine anything about it, then inspects it once: the
    /// frozen container's own inspect, and when the pause was made (null when it could not pause: not running, already
    /// paused or not there, which the inspect then says, as it would have).
    /// </summary>
    public static async Task<(ContainerInspection Inspect, DateTimeOffset? PausedAt)> FreezeFirstAsync(IContainerEngine engine, string container, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(clock);
        DateTimeOffset? pausedAt = null;
        try
        {
            await engine.PauseAsync(container, cancellationToken);
            pausedAt = clock.GetUtcNow();
        }
        catch (DockerIRException e) when (e.Kind is FailureKind.Conflict or FailureKind.NotFound)
        {
        }

        try
        {
            return (await engine.InspectContainerAsync(container, cancellationToken), pausedAt);
        }
        catch (Exception) when (pausedAt is not null)
        {
            await engine.UnpauseAsync(container, CancellationToken.None);
            throw;
        }
    }

    private async Task<(bool PausedByUs, (CustodyOutcome Outcome, string Detail) Record)> FreezeAsync(ContainerInspection inspect, CancellationToken cancellationToken)
    {
        if (inspect.State.Paused)
        {
            return (false, (CustodyOutcome.Skipped, "already paused"));
        }

        if (!inspect.State.Running)
        {
            return (false, (CustodyOutcome.Skipped, $"container is {inspect.State.Status}"));
        }

        try
        {
            await engine.PauseAsync(inspect.Id, cancellationToken);
        }
        catch (DockerIRException e) when (e.Kind is FailureKind.Conflict)
        {
            // It stopped between the inspect and the pause: nothing runs to freeze, and what it left is still evidence.
            return (false, (CustodyOutcome.Skipped, $"could not pause: {e.Message}"));
        }

        return (true, Frozen(inspect, clock.GetUtcNow()));
    }

    /// <summary>The custody record of a pause done at <paramref name="at"/>, timed from the command's start.</summary>
    private (CustodyOutcome Outcome, string Detail) Frozen(ContainerInspection inspect, DateTimeOffset at)
    {
        var after = at - CommandStart;
        log.Paused(EngineIds.Abbreviate(inspect.Id), (long)after.TotalMilliseconds);
        return (CustodyOutcome.Succeeded,
            $"frozen {after.TotalMilliseconds:0} ms after the command started, before anything else was read: its processes are stopped, not ended, and its layer cannot change while it is read");
    }

    /// <summary>When this process started: the freeze is timed from it.</summary>
    private static DateTimeOffset CommandStart { get; } = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();

    /// <summary>The evidence image: the one an interrupted run of this case already committed (a resumed run never commits twice), else a new commit.</summary>
    private async Task<(string ImageId, string Tag, DateTimeOffset Committed)> CommitOrAdoptAsync(CustodyLog custody, ContainerInspection inspect, string caseId, string target,
        bool resumed, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return (resumed ? await AdoptAsync(custody, inspect, caseId, target, cancellationToken) : null)
            ?? await CommitAsync(custody, inspect, caseId, target, cancellationToken);
    }

    private async Task<(string ImageId, string Tag, DateTimeOffset Committed)?> AdoptAsync(CustodyLog custody, ContainerInspection inspect, string caseId, string target,
        CancellationToken cancellationToken)
    {
        string[] labels = [$"{EvidenceImage.LabelCase}={caseId}", $"{EvidenceImage.LabelSourceContainer}={inspect.Id}"];
        var images = await engine.ListImagesAsync(labels, cancellationToken);
        if (images.Count == 0 && await CommitLeftInFlightAsync(custody, cancellationToken))
        {
            // The interrupted run asked for a commit and ended before the answer: the engine may still be committing.
            // Its image is waited for (bounded) rather than committed a second time.
            log.WaitingForInterruptedCommit(caseId, InFlightCommitWait.TotalSeconds);
            var deadline = clock.GetUtcNow() + InFlightCommitWait;
            while (images.Count == 0 && clock.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                images = await engine.ListImagesAsync(labels, cancellationToken);
            }
        }

        if (images.Count == 0)
        {
            return null;
        }

        var image = images[0];
        var tag = image.RepoTags.Count > 0 ? image.RepoTags[0] : $"{EvidenceRepository(inspect.Name)}:{caseId}";
        var committed = DateTimeOffset.TryParse(image.Labels.GetValueOrDefault(EvidenceImage.LabelCreated), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : clock.GetUtcNow();
        await custody.AppendAsync("container.commit", target, CustodyOutcome.Skipped, $"adopted evidence image {image.Id}, committed by an interrupted run of this case", cancellationToken);
        return (image.Id, tag, committed);
    }

    /// <summary>How long a resumed run waits for the evidence image of a commit an interrupted run left in flight.</summary>
    private static readonly TimeSpan InFlightCommitWait = TimeSpan.FromSeconds(30);

    /// <summary>Whether the case's custody shows a commit started and never ended (the run was killed while the engine committed).</summary>
    private static async Task<bool> CommitLeftInFlightAsync(CustodyLog custody, CancellationToken cancellationToken)
    {
        if (!File.Exists(custody.Path))
        {
            return false;
        }

        var commits = (await CustodyLog.ReadAsync(custody.Path, cancellationToken)).Where(r => r.Action == "container.commit").ToList();
        return commits.Count > 0 && commits[^1].Outcome == CustodyOutcome.Started;
    }

    private async Task<(string ImageId, string Tag, DateTimeOffset Committed)> CommitAsync(CustodyLog custody, ContainerInspection inspect, string caseId, string target,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var repository = EvidenceRepository(inspect.Name);
        var labels = new Dictionary<string, string>
        {
            [EvidenceImage.LabelCase] = caseId,
            [EvidenceImage.LabelSourceContainer] = inspect.Id,
            [EvidenceImage.LabelSourceImage] = inspect.ImageId,
            [EvidenceImage.LabelCreated] = now.ToString("O"),
        };
        // The container is already frozen (or not running); asking the engine to pause again would fail on a paused one.
        var commit = new CommitRequest(inspect.Id, repository, caseId,
            $"DockerIR evidence snapshot of {inspect.Name} for case {caseId}", $"dockerir {actor.ToolVersion} ({actor.Operator})",
            Pause: false, labels);
        await FaultPoints.HitAsync(FaultPoints.SnapshotCommit, cancellationToken);
        await custody.AppendAsync("container.commit", target, CustodyOutcome.Started, $"{repository}:{caseId}", cancellationToken);
        var imageId = await engine.CommitAsync(commit, cancellationToken);
        await custody.AppendAsync("container.commit", target, CustodyOutcome.Succeeded, $"evidence image {imageId}", cancellationToken);
        log.Committed(EngineIds.Abbreviate(inspect.Id), EngineIds.Abbreviate(imageId));
        return (imageId, $"{repository}:{caseId}", now);
    }
}
