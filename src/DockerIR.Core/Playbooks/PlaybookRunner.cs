using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Response;
using Serilog;

namespace DockerIR.Core.Playbooks;

/// <summary>One target of a playbook's dry run: the container and, for a redeploy step, the plan as it would be now.</summary>
public sealed record PlannedTarget(string ContainerId, string ContainerName, IReadOnlyList<StepSpec> Steps, RedeployPlan? Redeploy);

/// <summary>playbook-run.json: the resolved playbook and its targets, written once in the run directory.</summary>
public sealed record PlaybookRunRecord(ResolvedPlaybook Playbook, IReadOnlyList<string> TargetIds, DateTimeOffset CreatedUtc);

/// <summary>What a playbook run produced: one case per target.</summary>
public sealed record PlaybookRunResult(string RunDir, string Playbook, IReadOnlyList<CaseRunResult> Cases);

/// <summary>
/// Runs a resolved playbook: finds its targets (names, or a label selector over running containers), then runs
/// each target's steps as a journaled case in the run directory, one after another or <c>parallel</c> at once.
/// </summary>
public sealed class PlaybookRunner(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log, HttpClient http)
{
    public const string RunFile = "playbook-run.json";

    public async Task<IReadOnlyList<ContainerInspection>> TargetsAsync(ResolvedPlaybook playbook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(playbook);
        var refs = playbook.TargetsFrom is { } hunt ? [.. Hunt.HuntReport.ReadTargets(hunt)]
            : playbook.Selector is { } selector
            ? (await engine.ListContainersAsync(new ContainerListFilter(All: false, Labels: [selector]), cancellationToken)).Select(c => c.Id).ToList()
            : playbook.Containers.ToList();
        if (refs.Count == 0)
        {
            throw new DockerIRException(FailureKind.NotFound, playbook.TargetsFrom is { } from
                ? $"playbook {playbook.Name}: the hunt report {from} names no container to respond to"
                : $"playbook {playbook.Name}: no running container matches the selector '{playbook.Selector}'");
        }

        var targets = new List<ContainerInspection>();
        foreach (var r in refs)
        {
            targets.Add(await engine.InspectContainerAsync(r, cancellationToken));
        }

        return targets.DistinctBy(t => t.Id).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The dry run: every target and the redeploy plan it would get, computed from the live state; nothing is written or changed.</summary>
    public async Task<IReadOnlyList<PlannedTarget>> PlanAsync(ResolvedPlaybook playbook, CancellationToken cancellationToken)
    {
        var planned = new List<PlannedTarget>();
        foreach (var target in await TargetsAsync(playbook, cancellationToken))
        {
            var redeploy = playbook.Steps.FirstOrDefault(s => s.Name == StepSpec.Redeploy);
            var plan = redeploy is null ? null : await new RedeployWorkflow(engine, actor, clock, log, http).PreviewAsync(target.Id, redeploy.RedeployOptions(), cancellationToken);
            planned.Add(new PlannedTarget(target.Id, target.Name, playbook.Steps, plan));
        }

        return planned;
    }

    public async Task<PlaybookRunResult> RunAsync(ResolvedPlaybook playbook, string runDir, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var targets = await TargetsAsync(playbook, cancellationToken);
        var root = Path.GetFullPath(runDir);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new DockerIRException(FailureKind.Conflict, $"run directory {root} already exists and is not empty; choose another --out, or resume it with 'dockerir playbook resume {root}'");
        }

        Directory.CreateDirectory(root);
        var record = new PlaybookRunRecord(playbook, targets.Select(t => t.Id).ToList(), clock.GetUtcNow());
        await File.WriteAllBytesAsync(Path.Combine(root, RunFile), JsonSerializer.SerializeToUtf8Bytes(record, PlaybooksJson.Indented.PlaybookRunRecord), cancellationToken);
        return await RunTargetsAsync(record, root, progress, cancellationToken);
    }

    /// <summary>Resumes a run directory: each target's case from its first step not completed; targets never started are started.</summary>
    public async Task<PlaybookRunResult> ResumeAsync(string runDir, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(runDir);
        var path = Path.Combine(root, RunFile);
        if (!File.Exists(path))
        {
            throw new DockerIRException(FailureKind.NotFound, $"{root} holds no {RunFile}: it is not a playbook run directory");
        }

        var record = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), PlaybooksJson.Indented.PlaybookRunRecord)
            ?? throw new DockerIRException(FailureKind.VerificationFailed, $"{path} is empty");
        return await RunTargetsAsync(record, root, progress, cancellationToken);
    }

    private async Task<PlaybookRunResult> RunTargetsAsync(PlaybookRunRecord record, string root, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(root).Where(d => File.Exists(Path.Combine(d, CaseRunner.RunFile))))
        {
            existing[(await CaseRunner.ReadRunAsync(dir, cancellationToken)).ContainerId] = dir;
        }

        using var gate = new SemaphoreSlim(record.Playbook.Parallel);
        var runner = new CaseRunner(engine, actor, clock, log, http);
        var tasks = record.TargetIds.Select(async id =>
        {
            CaseLog.BeginScope(); // this target's log events go to its case only
            await gate.WaitAsync(cancellationToken);
            try
            {
                progress?.Report(EngineIds.Abbreviate(id));
                return existing.TryGetValue(id, out var caseDir)
                    ? await runner.ResumeAsync(caseDir, null, cancellationToken)
                    : await runner.StartAsync(id, null, root, $"playbook {record.Playbook.Name}", record.Playbook.Steps, null, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var cases = await Task.WhenAll(tasks);
        return new PlaybookRunResult(root, record.Playbook.Name, cases);
    }
}
