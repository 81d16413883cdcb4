using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Snapshot;
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

    private CaseServices Services => new(engine, actor, clock, log, http);

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
        var (inspect, pausedAt) = steps.Count > 0 && steps[0].Name == StepSpec.Snapshot
            ? await SnapshotWorkflow.FreezeFirstAsync(engine, container, clock, cancellationToken)
            : (await engine.InspectContainerAsync(container, cancellationToken), null);
        var running = false;
        try
        {
            var (dir, record) = await CaseLocator.OpenNewAsync(caseDir, casesRoot, inspect, engine.Endpoint, actor, clock, kind, cancellationToken);
            var run = new RunRecord(RunRecord.CurrentFormatVersion, kind, record.CaseId, inspect.Id, inspect.Name, steps, clock.GetUtcNow());
            await dir.WriteJsonAsync(RunFile, run, ResponseJson.Indented.RunRecord, cancellationToken);
            running = true;
            return await RunAsync(CaseSession.Opened(Services, dir, run, new CaseOpening(inspect, pausedAt)), resumed: false, progress, cancellationToken);
        }
        catch (Exception) when (pausedAt is not null && !running)
        {
            // No case could be opened: the container goes back to running, as it was before this run touched it.
            await engine.UnpauseAsync(inspect.Id, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Continues a case's run from the first step not completed.</summary>
    public async Task<CaseRunResult> ResumeAsync(string caseDir, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var run = await ReadRunAsync(caseDir, cancellationToken);
        return await RunAsync(CaseSession.Resumed(Services, CaseDirectory.Attach(caseDir), run), resumed: true, progress, cancellationToken);
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
            run = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), ResponseJson.Indented.RunRecord)
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

    /// <summary>Runs the steps of the session's run in order, each with what the earlier ones produced, journaling each in custody.</summary>
    private async Task<CaseRunResult> RunAsync(CaseSession session, bool resumed, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var (dir, run) = (session.Dir, session.Run);
        var steps = run.Steps.Select(CaseSteps.Of).ToList();
        var custody = new CustodyLog(dir.CustodyPath, run.CaseId, actor, clock);
        var done = resumed
            ? (await CustodyLog.ReadAsync(dir.CustodyPath, cancellationToken)).Where(r => r.Action == StepAction && r.Outcome == CustodyOutcome.Succeeded).Select(r => r.Target).ToHashSet(StringComparer.Ordinal)
            : [];
        await custody.AppendAsync(resumed ? "run.resume" : "run.start", session.Target, CustodyOutcome.Started,
            $"{run.Kind}: {string.Join(" → ", run.Steps.Select(s => s.Name))}" + (resumed ? $"; {done.Count} steps done before" : ""), cancellationToken);

        var reports = new List<StepReport>();
        var executed = 0;
        DockerIRException? failure = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var (step, spec) = (steps[i], run.Steps[i]);
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
                session.TakeOpening();
            }

            progress?.Report(step.Name);
            await custody.AppendAsync(StepAction, key, CustodyOutcome.Started, null, cancellationToken);
            try
            {
                var next = i + 1 < steps.Count && !done.Contains($"{i + 2}:{steps[i + 1].Name}") ? steps[i + 1] : null;
                var detail = await step.RunAsync(session, new CaseStepContext(next, steps.Skip(i + 1).OfType<RedeployStep>().FirstOrDefault()), cancellationToken);
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
                reports.Add(new StepReport(i + 1, step.Name, spec.ContinueOnFailure ? "failed, continued" : "failed", e.Message));
                if (!spec.ContinueOnFailure)
                {
                    failure = e;
                }
            }
        }

        await custody.AppendAsync("run.end", session.Target, failure is null ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
            failure?.Message, cancellationToken);
        return await SummarizeAsync(session, reports, failure, cancellationToken);
    }

    private async Task<CaseRunResult> SummarizeAsync(CaseSession session, List<StepReport> reports, DockerIRException? failure, CancellationToken cancellationToken)
    {
        var (dir, run) = (session.Dir, session.Run);
        var bundle = session.BundlePath ?? BundleWorkflow.DefaultPath(dir.Root);
        string? sha = null;
        if (File.Exists(bundle) && File.Exists(bundle + ".sha256"))
        {
            sha = (await File.ReadAllTextAsync(bundle + ".sha256", cancellationToken)).Split(' ')[0];
        }

        var suspicious = (await dir.ReadChangesAsync(required: false, cancellationToken))
            .Where(c => c.Classification == Classification.Suspicious && !c.ParentOnly).Select(c => c.Path).Order(StringComparer.Ordinal).ToList();

        var complete = File.Exists(dir.PathOf(Manifest.FileName))
            && JsonSerializer.Deserialize(await File.ReadAllBytesAsync(dir.PathOf(Manifest.FileName), cancellationToken), CaseJson.Compact.Manifest)?.Complete == true;
        var replacement = session.ReplacementId ?? await FindReplacementAsync(run, cancellationToken);
        return new CaseRunResult(run.CaseId, dir.Root, run.ContainerId, run.ContainerName, File.Exists(bundle) ? bundle : null, sha, complete,
            suspicious, replacement, session.Probes, reports, failure is null, failure?.Message, failure?.Kind);
    }

    private async Task<string?> FindReplacementAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var list = await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{RedeployPlanner.LabelReplacementCase}={run.CaseId}"]), cancellationToken);
        return list.Count > 0 ? list[0].Id : null;
    }
}
