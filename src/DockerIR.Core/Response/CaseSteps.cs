using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Extraction;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Snapshot;
using DockerIR.Core.Views;

namespace DockerIR.Core.Response;

/// <summary>
/// One step of a case's run, typed: made from its <see cref="StepSpec"/> (run.json, a playbook, respond's preset) with
/// its options read once by the parsers the command line uses, then run against the session.
/// </summary>
public interface ICaseStep
{
    string Name { get; }

    /// <summary>Runs the step and returns what custody and the summary say it did; throws a <see cref="DockerIRException"/> when it fails.</summary>
    Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken);
}

/// <summary>Where a step stands in its run: the step right after it (if it still has to run) and a redeploy that comes later (if any).</summary>
public sealed record CaseStepContext(ICaseStep? Next, RedeployStep? LaterRedeploy);

/// <summary>Makes the typed steps of a run.</summary>
public static class CaseSteps
{
    public static ICaseStep Of(StepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Name switch
        {
            StepSpec.Snapshot => new SnapshotStep(spec.Unpause(), spec.LogTail(), spec.Memory()),
            StepSpec.Extract => new ExtractStep(spec.ExtractRequest(".")),
            StepSpec.Bundle => new BundleStep(spec.SigningKey()),
            StepSpec.Verify => new VerifyStep(),
            StepSpec.Contain => new ContainStep(),
            StepSpec.Redeploy => new RedeployStep(spec.RedeployOptions()),
            StepSpec.Probe => new ProbeStep(spec.ProbeOptions()),
            StepSpec.Wait => new WaitStep(spec.WaitTime()),
            _ => throw new DockerIRException(FailureKind.Usage, $"unknown step '{spec.Name}'"),
        };
    }
}

/// <summary>Freeze, volatile state, change set and commit; a redeploy right after it is prepared and preflighted while the engine commits.</summary>
public sealed record SnapshotStep(bool Unpause, int LogTail, MemorySelection Memory) : ICaseStep
{
    public string Name => StepSpec.Snapshot;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(context);
        var s = session.Services;
        using var early = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Action<ContainerInspection>? whileCommitting = context.Next is RedeployStep redeploy && !Unpause
            ? frozen => session.EarlyRedeploy = redeploy.PrepareAndPreflightAsync(session, frozen, early.Token)
            : null;
        var opening = session.TakeOpening();
        try
        {
            var snap = await new SnapshotWorkflow(s.Engine, s.Actor, s.Clock, s.Log, AuditReports.Of).RunAsync(
                new SnapshotRequest(session.Run.ContainerId)
                {
                    CaseDir = session.Dir.Root, ResumeCaseId = session.Run.CaseId, Unpause = Unpause, LogTailLines = LogTail, Memory = Memory,
                    OnChangesRecorded = whileCommitting, Inspected = opening?.Inspect, PausedAt = opening?.PausedAt,
                },
                null, cancellationToken);
            return $"evidence image {snap.EvidenceImageId}, {snap.Changes.Count} changes";
        }
        catch when (session.EarlyRedeploy is { } started)
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

            session.EarlyRedeploy = null;
            throw;
        }
    }
}

/// <summary>Every added and changed file and every original into the case, then triage and the views over them.</summary>
public sealed record ExtractStep(ExtractRequest Request) : ICaseStep
{
    public string Name => StepSpec.Extract;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var s = session.Services;
        var extracted = await new ExtractWorkflow(s.Engine, s.Actor, s.Clock, s.Log).RunAsync(
            Request with { CaseDir = session.Dir.Root, Analyse = CaseAnalysis.For(s.Actor, s.Clock, s.Log) }, null, cancellationToken);
        return $"{extracted.StoredMembers} members from {extracted.AfterSource}" + (extracted.Complete ? "" : $"; INCOMPLETE: {extracted.Gaps.Count} gaps");
    }
}

/// <summary>Seals the case; a redeploy that comes later has its plan recorded first, so the sealed report says what the relaunch changes.</summary>
public sealed record BundleStep(string? SigningKey) : ICaseStep
{
    public string Name => StepSpec.Bundle;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(context);
        var planned = context.LaterRedeploy is { } later ? await later.RecordPlanBeforeSealingAsync(session, cancellationToken) : "";
        var s = session.Services;
        var bundle = await new BundleWorkflow(s.Actor, s.Clock, s.Log, CaseViews.Refresher(s.Clock, s.Log)).RunAsync(session.Dir.Root, null, cancellationToken, SigningKey);
        session.BundlePath = bundle.BundlePath;
        return $"{bundle.BundlePath} sha256 {bundle.Sha256}" + planned;
    }
}

/// <summary>Checks the bundle the run sealed (else the case folder) against its hashes.</summary>
public sealed record VerifyStep : ICaseStep
{
    public string Name => StepSpec.Verify;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var where = session.BundlePath is { } bundle && File.Exists(bundle) ? bundle : session.Dir.Root;
        var verified = await VerifyWorkflow.RunAsync(where, cancellationToken);
        return verified.Intact
            ? $"{where}: {verified.FilesChecked} files, {verified.MembersChecked} members intact"
            : throw new DockerIRException(FailureKind.VerificationFailed, $"{where} does not verify: {string.Join("; ", verified.Problems.Take(5))}");
    }
}

/// <summary>Cuts the container's networks and freezes it, recorded for undo.</summary>
public sealed record ContainStep : ICaseStep
{
    public string Name => StepSpec.Contain;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var s = session.Services;
        var contained = await new ContainmentWorkflow(s.Engine, s.Actor, s.Clock, s.Log).ContainAsync(session.Run.ContainerId, session.Dir.Root, session.Dir.Root, cancellationToken);
        return string.Join(", ", contained.Actions.DefaultIfEmpty("already contained"));
    }
}

/// <summary>Preflight, kill, read-only relaunch and probe, with the plan prepared while the snapshot committed when there was one.</summary>
public sealed record RedeployStep(RedeployOptions Options) : ICaseStep
{
    public string Name => StepSpec.Redeploy;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var workflow = Workflow(session);
        var prepared = session.EarlyRedeploy is { } ready
            ? await ready
            : await workflow.PrepareAsync(Request(session), cancellationToken);
        session.EarlyRedeploy = null;
        var result = await workflow.ExecuteAsync(prepared, null, cancellationToken);
        session.ReplacementId = result.ReplacementId;
        session.Probes.AddRange(result.Probes);
        if (!result.Passed)
        {
            throw result.ProbeFailure(withLogs: true);
        }

        return $"replacement {result.ReplacementId} passed {string.Join(", ", result.Probes.Select(p => p.Probe))}";
    }

    /// <summary>
    /// The plan and preflight, made while the engine commits the snapshot (the canaries need the change set, not the
    /// commit), from the frozen inspect the snapshot keeps: the service is down only for the commit and the relaunch.
    /// The kill still waits for the commit.
    /// </summary>
    public async Task<PreparedRedeploy> PrepareAndPreflightAsync(CaseSession session, ContainerInspection frozen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        await Task.Yield();
        var workflow = Workflow(session);
        var prepared = await workflow.PrepareAsync(Request(session) with { SnapshotInProgress = true, Suspect = frozen }, cancellationToken);
        return await workflow.PreflightAsync(prepared, null, cancellationToken);
    }

    /// <summary>The plan, recorded before a bundle seals the case; a plan that cannot be made never stops the evidence from being sealed.</summary>
    public async Task<string> RecordPlanBeforeSealingAsync(CaseSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var workflow = Workflow(session);
        try
        {
            var prepared = await workflow.PrepareAsync(Request(session), cancellationToken);
            await workflow.RecordPlanAsync(prepared, cancellationToken);
            return $"; the redeploy plan ({prepared.Plan.Changes.Count} changes) sealed with it";
        }
        catch (DockerIRException e)
        {
            var s = session.Services;
            await new CustodyLog(session.Dir.CustodyPath, session.Run.CaseId, s.Actor, s.Clock).AppendAsync("redeploy.plan", session.Target, CustodyOutcome.Failed,
                $"no plan could be made before sealing ({e.Message}); the bundle is sealed without it", cancellationToken);
            s.Log.NoPlanBeforeSealing(session.Run.ContainerName, e.Message);
            return "; without a redeploy plan: " + e.Message;
        }
    }

    private static RedeployWorkflow Workflow(CaseSession session) =>
        new(session.Services.Engine, session.Services.Actor, session.Services.Clock, session.Services.Log, session.Services.Http);

    private RedeployRequest Request(CaseSession session) => new(session.Run.ContainerId) { CaseDir = session.Dir.Root, Options = Options };
}

/// <summary>Probes the service under the container's name (the replacement, after a redeploy).</summary>
public sealed record ProbeStep(ProbeSpec Probe) : ICaseStep
{
    public string Name => StepSpec.Probe;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var result = await new ReplacementProbe(session.Services.Engine, session.Services.Http).RunAsync(session.Run.ContainerName, Probe, cancellationToken);
        session.Probes.Add(result);
        return result.Passed ? $"{result.Probe}: {result.Detail}" : throw new DockerIRException(FailureKind.ProbeFailed, $"{result.Probe}: {result.Detail}");
    }
}

/// <summary>Waits (a playbook's pause between steps).</summary>
public sealed record WaitStep(TimeSpan Time) : ICaseStep
{
    public string Name => StepSpec.Wait;

    public async Task<string> RunAsync(CaseSession session, CaseStepContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(Time, cancellationToken);
        return $"waited {Time.TotalSeconds:0} s";
    }
}
