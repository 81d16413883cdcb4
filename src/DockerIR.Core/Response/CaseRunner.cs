using System.Text.Json;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Extraction;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Snapshot;
using DockerIR.Core.Views;
using Serilog;

namespace DockerIR.Core.Response;

/// <summary>run.json: what a run of one case was asked to do. Written once, before the first step, and never changed.</summary>
public sealed record RunRecord(int FormatVersion, string Kind, string CaseId, string ContainerId, string ContainerName, IReadOnlyList<StepSpec> Steps, DateTimeOffset CreatedUtc)
{
    public const int CurrentFormatVersion = 1;
}

/// <summary>How one step of a run ended: done, done-before (a resumed run skipped it), failed, or not-run.</summary>
public sealed record StepReport(int Index, string Step, string Outcome, string Detail);

/// <summary>What a run of one case produced, for the summary.</summary>
public sealed record CaseRunResult(
    string CaseId,
    string CaseDir,
    string ContainerId,
    string ContainerName,
    string? BundlePath,
    string? BundleSha256,
    bool EvidenceComplete,
    IReadOnlyList<string> Suspicious,
    string? ReplacementId,
    IReadOnlyList<ProbeResult> Probes,
    IReadOnlyList<StepReport> Steps,
    bool Succeeded,
    string? Failure,
    FailureKind? FailureKind);

/// <summary>
/// Runs the steps of one case (respond, or one target of a playbook) with a journal: run.json says what to do,
/// and every step's start and end goes to custody as "run.step". A resumed run skips the steps custody shows as
/// succeeded; the steps themselves never commit or kill twice (snapshot adopts its image, redeploy its replacement).
/// </summary>
public sealed class CaseRunner(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log, HttpClient http)
{
    public const string RunFile = "run.json";
    private const string StepAction = "run.step";

    /// <summary>Opens a new case for the container and runs the steps.</summary>
    public async Task<CaseRunResult> StartAsync(string container, string? caseDir, string casesRoot, string kind, IReadOnlyList<StepSpec> steps,
        IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        foreach (var step in steps)
        {
            step.Check();
        }

        // Freeze first: a run that starts with a snapshot pauses the container before it asks the engine anything, so
        // the one inspect before the freeze is gone and the inspect that opens the case is the frozen container's own.
        DateTimeOffset? pausedAt = null;
        if (steps.Count > 0 && steps[0].Name == StepSpec.Snapshot)
        {
            try
            {
                await engine.PauseAsync(container, cancellationToken);
                pausedAt = clock.GetUtcNow();
            }
            catch (DockerIRException e) when (e.Kind is FailureKind.Conflict or FailureKind.NotFound)
            {
                // Not running, already paused, or not there: the inspect below says which, as it would have.
            }
        }

        var running = false;
        try
        {
            var inspect = await engine.InspectContainerAsync(container, cancellationToken);
            var (dir, record) = await CaseLocator.OpenNewAsync(caseDir, casesRoot, inspect, engine.Endpoint, actor, clock, kind, cancellationToken);
            var run = new RunRecord(RunRecord.CurrentFormatVersion, kind, record.CaseId, inspect.Id, inspect.Name, steps, clock.GetUtcNow());
            await dir.WriteJsonAsync(RunFile, run, CoreJsonContext.Indented.RunRecord, cancellationToken);
            running = true;
            return await RunAsync(dir, run, resumed: false, new Opening(inspect, pausedAt), progress, cancellationToken);
        }
        catch (Exception) when (pausedAt is not null && !running)
        {
            // No case could be opened: the container goes back to running, as it was before this run touched it.
            await engine.UnpauseAsync(container, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Continues a case's run from the first step not completed.</summary>
    public async Task<CaseRunResult> ResumeAsync(string caseDir, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var run = await ReadRunAsync(caseDir, cancellationToken);
        return await RunAsync(CaseDirectory.Attach(caseDir), run, resumed: true, opened: null, progress, cancellationToken);
    }

    /// <summary>Reads a case's run.json.</summary>
    public static async Task<RunRecord> ReadRunAsync(string caseDir, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(caseDir);
        var path = Path.Combine(root, RunFile);
        if (!File.Exists(path))
        {
            throw new DockerIRException(FailureKind.NotFound, $"{root} holds no {RunFile}: it was not started by respond or a playbook, so there is nothing to resume");
        }

        RunRecord run;
        try
        {
            run = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), CoreJsonContext.Indented.RunRecord)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{path} is corrupted: {e.Message}", e);
        }

        if (run.FormatVersion > RunRecord.CurrentFormatVersion)
        {
            throw new DockerIRException(FailureKind.Usage, $"{path} has run format {run.FormatVersion}; this dockerir reads up to {RunRecord.CurrentFormatVersion}: upgrade dockerir");
        }

        return run;
    }

    /// <param name="opened">The container as the case was opened for it, a moment before: the first snapshot step uses it instead of asking the engine again before the freeze.</param>
    private async Task<CaseRunResult> RunAsync(CaseDirectory dir, RunRecord run, bool resumed, Opening? opened, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var custody = new CustodyLog(dir.CustodyPath, run.CaseId, actor, clock);
        var done = resumed
            ? (await CustodyLog.ReadAsync(dir.CustodyPath, cancellationToken)).Where(r => r.Action == StepAction && r.Outcome == CustodyOutcome.Succeeded).Select(r => r.Target).ToHashSet(StringComparer.Ordinal)
            : [];
        await custody.AppendAsync(resumed ? "run.resume" : "run.start", $"{run.ContainerName} ({run.ContainerId})", CustodyOutcome.Started,
            $"{run.Kind}: {string.Join(" → ", run.Steps.Select(s => s.Name))}" + (resumed ? $"; {done.Count} steps done before" : ""), cancellationToken);

        var reports = new List<StepReport>();
        var state = new RunState { Opened = opened };
        var executed = 0;
        DockerIRException? failure = null;
        for (var i = 0; i < run.Steps.Count; i++)
        {
            var step = run.Steps[i];
            var key = $"{i + 1}:{step.Name}";
            if (failure is not null)
            {
                reports.Add(new StepReport(i + 1, step.Name, "not-run", "an earlier step failed"));
                continue;
            }

            if (done.Contains(key))
            {
                reports.Add(new StepReport(i + 1, step.Name, "done-before", "completed by an earlier run"));
                continue;
            }

            if (executed++ > 0)
            {
                // The opening inspect serves only a snapshot that runs first; after any other step (a wait) it is stale.
                state.Opened = null;
            }

            progress?.Report(step.Name);
            await custody.AppendAsync(StepAction, key, CustodyOutcome.Started, null, cancellationToken);
            try
            {
                var next = i + 1 < run.Steps.Count && !done.Contains($"{i + 2}:{run.Steps[i + 1].Name}") ? run.Steps[i + 1] : null;
                var detail = await ExecuteAsync(step, run.Steps.Skip(i + 1).FirstOrDefault(s => s.Name == StepSpec.Redeploy), next, dir, run, state, cancellationToken);
                await custody.AppendAsync(StepAction, key, CustodyOutcome.Succeeded, detail, cancellationToken);
                reports.Add(new StepReport(i + 1, step.Name, "done", detail));
            }
            catch (OperationCanceledException)
            {
                await custody.AppendAsync(StepAction, key, CustodyOutcome.Interrupted, "cancelled by the operator; resume with --resume", CancellationToken.None);
                throw;
            }
            catch (Exception caught) when (DockerIRException.Expected(caught) is { } e)
            {
                try
                {
                    await custody.AppendAsync(StepAction, key, CustodyOutcome.Failed, e.Message, CancellationToken.None);
                }
                catch (Exception unwritable) when (DockerIRException.IsStorage(unwritable))
                {
                    // The case cannot take the line (full, read-only, removed): the one-line error says so instead.
                    throw DockerIRException.Storage(unwritable);
                }

                log.StepFailed(step.Name, run.ContainerName, e.Message);
                reports.Add(new StepReport(i + 1, step.Name, step.ContinueOnFailure ? "failed, continued" : "failed", e.Message));
                if (!step.ContinueOnFailure)
                {
                    failure = e;
                }
            }
        }

        await custody.AppendAsync("run.end", $"{run.ContainerName} ({run.ContainerId})", failure is null ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
            failure?.Message, cancellationToken);
        return await SummarizeAsync(dir, run, state, reports, failure, cancellationToken);
    }

    /// <param name="laterRedeploy">The redeploy step this run takes after <paramref name="step"/>, if any: a bundle records its plan first, so the sealed report says what the relaunch changes.</param>
    /// <param name="next">The step that runs right after this one, if it still has to: a redeploy right after a snapshot is prepared and preflighted while the engine commits.</param>
    private async Task<string> ExecuteAsync(StepSpec step, StepSpec? laterRedeploy, StepSpec? next, CaseDirectory dir, RunRecord run, RunState state, CancellationToken cancellationToken)
    {
        switch (step.Name)
        {
            case StepSpec.Snapshot:
                using (var early = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    Action<ContainerInspection>? whileCommitting = next?.Name == StepSpec.Redeploy && !step.Unpause()
                        ? frozen => state.EarlyRedeploy = PrepareAndPreflightAsync(dir, run, next, frozen, early.Token)
                        : null;
                    var opened = state.Opened;
                    state.Opened = null;
                    try
                    {
                        var snap = await new SnapshotWorkflow(engine, actor, clock, log, AuditReports.Of).RunAsync(
                            new SnapshotRequest(run.ContainerId)
                            {
                                CaseDir = dir.Root, ResumeCaseId = run.CaseId, Unpause = step.Unpause(), LogTailLines = step.LogTail(), Memory = step.Memory(),
                                OnChangesRecorded = whileCommitting, Inspected = opened?.Inspect, PausedAt = opened?.PausedAt,
                            },
                            null, cancellationToken);
                        return $"evidence image {snap.EvidenceImageId}, {snap.Changes.Count} changes";
                    }
                    catch when (state.EarlyRedeploy is { } started)
                    {
                        // No commit, no kill: the canaries stop and are removed before the snapshot's failure is reported.
                        await early.CancelAsync();
                        try
                        {
                            await started;
                        }
                        catch (Exception e) when (e is OperationCanceledException or DockerIRException)
                        {
                        }

                        state.EarlyRedeploy = null;
                        throw;
                    }
                }

            case StepSpec.Extract:
                var extracted = await new ExtractWorkflow(engine, actor, clock, log).RunAsync(
                    step.ExtractRequest(dir.Root) with { Analyse = CaseAnalysis.For(actor, clock, log) }, null, cancellationToken);
                return $"{extracted.StoredMembers} members from {extracted.AfterSource}" + (extracted.Complete ? "" : $"; INCOMPLETE: {extracted.Gaps.Count} gaps");
            case StepSpec.Bundle:
                var planned = "";
                if (laterRedeploy is not null)
                {
                    planned = await RecordPlanAsync(dir, run, laterRedeploy, cancellationToken);
                }

                var bundle = await new BundleWorkflow(actor, clock, log, CaseViews.Refresher(clock, log)).RunAsync(dir.Root, null, cancellationToken, step.SigningKey());
                return $"{bundle.BundlePath} sha256 {bundle.Sha256}" + planned;
            case StepSpec.Verify:
                var where = File.Exists(BundlePath(dir)) ? BundlePath(dir) : dir.Root;
                var verified = await VerifyWorkflow.RunAsync(where, cancellationToken);
                return verified.Intact
                    ? $"{where}: {verified.FilesChecked} files, {verified.MembersChecked} members intact"
                    : throw new DockerIRException(FailureKind.VerificationFailed, $"{where} does not verify: {string.Join("; ", verified.Problems.Take(5))}");
            case StepSpec.Contain:
                var contained = await new ContainmentWorkflow(engine, actor, clock, log).ContainAsync(run.ContainerId, dir.Root, dir.Root, cancellationToken);
                return string.Join(", ", contained.Actions.DefaultIfEmpty("already contained"));
            case StepSpec.Redeploy:
                var workflow = new RedeployWorkflow(engine, actor, clock, log, http);
                var prepared = state.EarlyRedeploy is { } ready
                    ? await ready
                    : await workflow.PrepareAsync(new RedeployRequest(run.ContainerId) { CaseDir = dir.Root, Options = step.RedeployOptions() }, cancellationToken);
                state.EarlyRedeploy = null;
                var result = await workflow.ExecuteAsync(prepared, null, cancellationToken);
                state.ReplacementId = result.ReplacementId;
                state.Probes.AddRange(result.Probes);
                if (!result.Passed)
                {
                    throw result.ProbeFailure(withLogs: true);
                }

                return $"replacement {result.ReplacementId} passed {string.Join(", ", result.Probes.Select(p => p.Probe))}";
            case StepSpec.Probe:
                var probe = step.ProbeOptions();
                var probeResult = await new ReplacementProbe(engine, http).RunAsync(run.ContainerName, probe, cancellationToken);
                state.Probes.Add(probeResult);
                return probeResult.Passed ? $"{probeResult.Probe}: {probeResult.Detail}" : throw new DockerIRException(FailureKind.ProbeFailed, $"{probeResult.Probe}: {probeResult.Detail}");
            case StepSpec.Wait:
                await Task.Delay(step.WaitTime(), cancellationToken);
                return $"waited {step.WaitTime().TotalSeconds:0} s";
            default:
                throw new DockerIRException(FailureKind.Usage, $"unknown step '{step.Name}'");
        }
    }

    /// <summary>
    /// The redeploy's plan and preflight, made while the engine commits the snapshot (the canaries need the change set,
    /// not the commit): the service is down only for the commit and the relaunch. The kill still waits for the commit.
    /// </summary>
    private async Task<PreparedRedeploy> PrepareAndPreflightAsync(CaseDirectory dir, RunRecord run, StepSpec redeploy, ContainerInspection frozen, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var workflow = new RedeployWorkflow(engine, actor, clock, log, http);
        var prepared = await workflow.PrepareAsync(
            new RedeployRequest(run.ContainerId) { CaseDir = dir.Root, Options = redeploy.RedeployOptions(), SnapshotInProgress = true, Suspect = frozen }, cancellationToken);
        return await workflow.PreflightAsync(prepared, null, cancellationToken);
    }

    /// <summary>The redeploy's plan, recorded before the bundle seals the case; a plan that cannot be made never stops the evidence from being sealed.</summary>
    private async Task<string> RecordPlanAsync(CaseDirectory dir, RunRecord run, StepSpec redeploy, CancellationToken cancellationToken)
    {
        var workflow = new RedeployWorkflow(engine, actor, clock, log, http);
        try
        {
            var prepared = await workflow.PrepareAsync(new RedeployRequest(run.ContainerId) { CaseDir = dir.Root, Options = redeploy.RedeployOptions() }, cancellationToken);
            await workflow.RecordPlanAsync(prepared, cancellationToken);
            return $"; the redeploy plan ({prepared.Plan.Changes.Count} changes) sealed with it";
        }
        catch (DockerIRException e)
        {
            await new CustodyLog(dir.CustodyPath, run.CaseId, actor, clock).AppendAsync("redeploy.plan", $"{run.ContainerName} ({run.ContainerId})", CustodyOutcome.Failed,
                $"no plan could be made before sealing ({e.Message}); the bundle is sealed without it", cancellationToken);
            log.NoPlanBeforeSealing(run.ContainerName, e.Message);
            return "; without a redeploy plan: " + e.Message;
        }
    }

    private async Task<CaseRunResult> SummarizeAsync(CaseDirectory dir, RunRecord run, RunState state, List<StepReport> reports, DockerIRException? failure,
        CancellationToken cancellationToken)
    {
        var bundle = BundlePath(dir);
        string? sha = null;
        if (File.Exists(bundle) && File.Exists(bundle + ".sha256"))
        {
            sha = (await File.ReadAllTextAsync(bundle + ".sha256", cancellationToken)).Split(' ')[0];
        }

        var suspicious = (await dir.ReadChangesAsync(required: false, cancellationToken))
            .Where(c => c.Classification == Classification.Suspicious && !c.ParentOnly).Select(c => c.Path).Order(StringComparer.Ordinal).ToList();

        var complete = File.Exists(dir.PathOf(Manifest.FileName))
            && JsonSerializer.Deserialize(await File.ReadAllBytesAsync(dir.PathOf(Manifest.FileName), cancellationToken), CoreJsonContext.Compact.Manifest)?.Complete == true;
        var replacement = state.ReplacementId ?? await FindReplacementAsync(run, cancellationToken);
        return new CaseRunResult(run.CaseId, dir.Root, run.ContainerId, run.ContainerName, File.Exists(bundle) ? bundle : null, sha, complete,
            suspicious, replacement, state.Probes, reports, failure is null, failure?.Message, failure?.Kind);
    }

    private async Task<string?> FindReplacementAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var list = await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{RedeployPlanner.LabelReplacementCase}={run.CaseId}"]), cancellationToken);
        return list.Count > 0 ? list[0].Id : null;
    }

    private static string BundlePath(CaseDirectory dir) => dir.Root.TrimEnd('/') + ".tar.gz";

    /// <summary>The container as a new run opened its case, and when the run paused it first (null when it did not).</summary>
    private sealed record Opening(ContainerInspection Inspect, DateTimeOffset? PausedAt);

    private sealed class RunState
    {
        /// <summary>The container as the case was opened for it; used by a snapshot that is the run's first step, dropped after it.</summary>
        public Opening? Opened { get; set; }

        public string? ReplacementId { get; set; }

        /// <summary>The redeploy prepared and preflighted while the snapshot committed, awaited by the redeploy step.</summary>
        public Task<PreparedRedeploy>? EarlyRedeploy { get; set; }

        public List<ProbeResult> Probes { get; } = [];
    }
}
