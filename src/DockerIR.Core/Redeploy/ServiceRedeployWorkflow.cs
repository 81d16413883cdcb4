using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using Serilog;

namespace DockerIR.Core.Redeploy;

/// <summary>Which Swarm service to relaunch read-only, and where its tasks' cases go.</summary>
public sealed record ServiceRedeployRequest(string Service)
{
    public string CasesRoot { get; init; } = CaseLocator.DefaultRoot;

    /// <summary>Update the service without snapshotting its tasks (the operator's explicit choice).</summary>
    public bool NoEvidence { get; init; }

    public RedeployOptions Options { get; init; } = new();
}

/// <summary>The evidence of one task container: its case and the evidence image, or why there is none.</summary>
public sealed record ServiceTaskEvidence(string TaskId, string ContainerId, string ContainerName, string? CaseDir, string? CaseId, string? EvidenceImageId, bool Adopted);

/// <summary>One task container of the service after the update, as inspected.</summary>
public sealed record ServiceTaskState(string ContainerId, string Name, bool Running, bool ReadonlyRootfs, IReadOnlyList<string> Tmpfs);

/// <summary>What a service redeploy did (or, for a dry run, would do).</summary>
public sealed record ServiceRedeployResult(
    ServicePlan Plan,
    bool Executed,
    IReadOnlyList<ServiceTaskEvidence> Evidence,
    IReadOnlyList<string> EngineWarnings,
    string? UpdateState,
    IReadOnlyList<ServiceTaskState> Tasks,
    IReadOnlyList<ProbeResult> Probes,
    bool Passed,
    string Detail);

/// <summary>
/// Contains and recovers a Swarm service: snapshots every running task container on this node (refusing when a
/// running task is on another node, whose evidence cannot be taken from here), computes the container plan from one
/// task and its change set, merges it into the service's spec, updates the service, and waits until every task on
/// this node is a new, read-only one. Each step goes to the custody log of every task's case.
/// </summary>
/// <param name="snapshot">
/// Takes one task container's snapshot into a new case under the cases root and resumes it (a service task stays in
/// service until the update replaces it); returns the case directory, its id and the evidence image. The caller hands
/// it in (Core/Response composes it from the snapshot), so the relaunch does not run the snapshot itself.
/// </param>
public sealed class ServiceRedeployWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log, HttpClient http,
    Func<string, string, CancellationToken, Task<(string CaseDir, string CaseId, string EvidenceImageId)>> snapshot)
{
    public const string LabelServiceId = "com.docker.swarm.service.id";
    public const string LabelTaskId = "com.docker.swarm.task.id";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan DefaultStopGrace = TimeSpan.FromSeconds(10);

    /// <summary>The plan from the live state of one running task: reads only, writes and changes nothing.</summary>
    public async Task<ServicePlan> PreviewAsync(ServiceRedeployRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (service, local, _) = await ReadServiceAsync(request, cancellationToken);
        var taskPlan = await new RedeployWorkflow(engine, actor, clock, log, http).PreviewAsync(local[0].Id, request.Options, cancellationToken);
        var version = await engine.GetVersionAsync(cancellationToken);
        return ServicePlanner.Plan(service, taskPlan, version.NegotiatedApiVersion);
    }

    public async Task<ServiceRedeployResult> ExecuteAsync(ServiceRedeployRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        progress?.Report("inspect service");
        var (service, local, tasks) = await ReadServiceAsync(request, cancellationToken);

        var evidence = new List<ServiceTaskEvidence>();
        foreach (var container in local)
        {
            progress?.Report($"snapshot {NameOf(container)}");
            evidence.Add(await SnapshotTaskAsync(request, container, cancellationToken));
        }

        // The plan comes from the first task's case: its change set says where the runtime writes.
        var first = evidence[0];
        var redeploy = new RedeployWorkflow(engine, actor, clock, log, http);
        var prepared = await redeploy.PrepareAsync(new RedeployRequest(first.ContainerId)
        {
            CaseDir = first.CaseDir,
            CasesRoot = request.CasesRoot,
            NoEvidence = request.NoEvidence,
            // A task's container belongs to the swarm (its networks cannot take a plain container), so no canary runs for a service: the change set says where it writes.
            Options = request.Options with { LearnWrites = false },
        }, cancellationToken);
        var version = await engine.GetVersionAsync(cancellationToken);
        var plan = ServicePlanner.Plan(service, prepared.Plan, version.NegotiatedApiVersion);
        var cases = new List<(CaseDirectory Dir, CustodyLog Custody)>();
        foreach (var dirPath in evidence.Select(e => e.CaseDir).Append(prepared.CaseDir).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var (dir, record) = await CaseDirectory.OpenAsync(dirPath, cancellationToken);
            cases.Add((dir, new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock)));
        }

        var target = $"service {service.Name} ({service.Id})";
        var planCase = cases.First(c => c.Dir.Root == prepared.CaseDir).Dir;
        await planCase.WriteBytesAsync("service/inspect.json", service.RawJson, cancellationToken);
        await planCase.WriteBytesAsync("service/spec.after.json", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(plan.SpecAfter, CaseJson.Indented.JsonElement)), cancellationToken);
        await AppendAllAsync(cases, "service.plan", target, CustodyOutcome.Succeeded,
            $"profile {plan.Profile.ToString().ToLowerInvariant()}, version {plan.Version}, {plan.Changes.Count} changes, tmpfs [{string.Join(", ", plan.Tmpfs.Select(t => t.Path))}]"
            + (request.NoEvidence ? "; updated WITHOUT committed evidence (--no-evidence)" : ""), cancellationToken);

        var oldTasks = tasks.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        try
        {
            progress?.Report("update service");
            var warnings = await engine.UpdateServiceAsync(service.Id, service.Version, JsonSerializer.Serialize(plan.SpecAfter, CaseJson.Compact.JsonElement), cancellationToken);
            await AppendAllAsync(cases, "service.update", target, CustodyOutcome.Succeeded,
                "read-only, hardened" + (warnings.Count == 0 ? "" : $"; engine warnings: {string.Join("; ", warnings)}"), cancellationToken);
            log.ServiceUpdated(service.Name);

            progress?.Report("wait for new tasks");
            var stopGrace = StopGrace(plan.SpecAfter);
            var (state, updated, detail) = await WaitForNewTasksAsync(service.Id, oldTasks, stopGrace + request.Options.ProbeTimeout + TimeSpan.FromSeconds(10), cancellationToken);
            var passed = updated.Count > 0 && updated.All(t => t.Running && t.ReadonlyRootfs) && detail.Length == 0;
            await AppendAllAsync(cases, "service.tasks", target, passed ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
                passed ? $"{updated.Count} new task(s) running read-only: {string.Join(", ", updated.Select(t => t.Name))}" : detail, cancellationToken);

            List<ProbeResult> probes = [];
            if (passed)
            {
                probes = await new ReplacementProbe(engine, http).RunAllAsync(updated[0].ContainerId, prepared.Plan.Probes, progress,
                    result => AppendAllAsync(cases, "service.probe", $"{updated[0].Name} ({updated[0].ContainerId})",
                        result.Passed ? CustodyOutcome.Succeeded : CustodyOutcome.Failed, $"{result.Probe}: {result.Detail}", cancellationToken), cancellationToken);
                if (probes.FirstOrDefault(p => !p.Passed) is { } failed)
                {
                    passed = false;
                    detail = $"probe {failed.Probe} failed: {failed.Detail}";
                }
            }

            return new ServiceRedeployResult(plan, true, evidence, warnings, state, updated, probes, passed, detail);
        }
        catch (OperationCanceledException)
        {
            await AppendAllAsync(cases, "service.update", target, CustodyOutcome.Interrupted, "cancelled by the operator", CancellationToken.None);
            throw;
        }
        catch (DockerIRException e)
        {
            await AppendAllAsync(cases, "service.update", target, CustodyOutcome.Failed, e.Message, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The service, its running task containers on this node, and its running tasks; refuses what cannot be done safely.</summary>
    private async Task<(ServiceInspection Service, List<ContainerSummary> Local, IReadOnlyList<ServiceTask> Tasks)> ReadServiceAsync(
        ServiceRedeployRequest request, CancellationToken cancellationToken)
    {
        var service = await engine.InspectServiceAsync(request.Service, cancellationToken);
        var tasks = await engine.ListServiceTasksAsync(service.Id, cancellationToken);
        var local = (await RunningTaskContainersAsync(service.Id, cancellationToken)).OrderBy(NameOf, StringComparer.Ordinal).ToList();
        var localIds = local.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var remote = tasks.Where(t => t.State == "running" && (t.ContainerId is null || !localIds.Contains(t.ContainerId))).ToList();
        if (remote.Count > 0 && !request.NoEvidence)
        {
            throw new DockerIRException(FailureKind.Refused,
                $"service {service.Name} has {remote.Count} running task(s) on other nodes ({string.Join(", ", remote.Select(t => $"task {EngineIds.Abbreviate(t.Id)} on node {EngineIds.Abbreviate(t.NodeId)}"))}); "
                + "their evidence cannot be taken from here: snapshot them on their nodes first, then pass --no-evidence");
        }

        if (local.Count == 0)
        {
            throw new DockerIRException(FailureKind.NotFound,
                $"service {service.Name} has no running task container on this node; the plan is computed from one, so run dockerir on a node that runs a task");
        }

        return (service, local, tasks);
    }

    private async Task<ServiceTaskEvidence> SnapshotTaskAsync(ServiceRedeployRequest request, ContainerSummary container, CancellationToken cancellationToken)
    {
        var name = NameOf(container);
        var taskId = container.Labels.GetValueOrDefault(LabelTaskId) ?? "";
        if (await CaseLocator.FindLatestAsync(request.CasesRoot, container.Id, committedOnly: true, cancellationToken) is { } found)
        {
            return new ServiceTaskEvidence(taskId, container.Id, name, found.Dir.Root, found.Record.CaseId, found.Record.Snapshot?.EvidenceImageId, Adopted: true);
        }

        if (request.NoEvidence)
        {
            return new ServiceTaskEvidence(taskId, container.Id, name, null, null, null, Adopted: false);
        }

        var (caseDir, caseId, evidenceImageId) = await snapshot(container.Id, request.CasesRoot, cancellationToken);
        return new ServiceTaskEvidence(taskId, container.Id, name, caseDir, caseId, evidenceImageId, Adopted: false);
    }

    /// <summary>
    /// Polls until the update has completed and every running task container of the service on this node is a new
    /// one; fails early when Swarm pauses or rolls back the update.
    /// </summary>
    private async Task<(string? State, List<ServiceTaskState> Tasks, string Detail)> WaitForNewTasksAsync(string serviceId, HashSet<string> oldTasks,
        TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + budget;
        string? state = null;
        while (true)
        {
            var service = await engine.InspectServiceAsync(serviceId, cancellationToken);
            state = service.UpdateState;
            if (state is "paused" or "rollback_started" or "rollback_paused" or "rollback_completed")
            {
                return (state, [], $"Swarm stopped the update ({state}): {service.UpdateMessage}");
            }

            var running = await RunningTaskContainersAsync(serviceId, cancellationToken);
            var stale = running.Where(c => oldTasks.Contains(c.Labels.GetValueOrDefault(LabelTaskId) ?? "")).ToList();
            if (state is null or "completed" && stale.Count == 0 && running.Count > 0)
            {
                var result = new List<ServiceTaskState>();
                foreach (var c in running)
                {
                    var inspect = await engine.InspectContainerAsync(c.Id, cancellationToken);
                    result.Add(new ServiceTaskState(inspect.Id, inspect.Name, inspect.State.Running, inspect.HostConfig.ReadonlyRootfs,
                        inspect.Mounts.Where(m => m.Type == "tmpfs").Select(m => m.Destination).Order(StringComparer.Ordinal).ToList()));
                }

                var writable = result.Where(t => !t.ReadonlyRootfs).ToList();
                return (state, result, writable.Count == 0 ? "" : $"task container(s) {string.Join(", ", writable.Select(t => t.Name))} run with a writable root filesystem");
            }

            if (clock.GetUtcNow() > deadline)
            {
                return (state, [], $"the update did not finish within {budget.TotalSeconds:0} s (state {state ?? "none"}; {stale.Count} old task(s) still running, {running.Count - stale.Count} new)");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>The service's task containers running on this node.</summary>
    private async Task<List<ContainerSummary>> RunningTaskContainersAsync(string serviceId, CancellationToken cancellationToken) =>
        (await engine.ListContainersAsync(new ContainerListFilter(All: false, Labels: [$"{LabelServiceId}={serviceId}"]), cancellationToken))
            .Where(c => c.State == "running").ToList();

    private static string NameOf(ContainerSummary c) => c.Names.Count > 0 ? c.Names[0] : c.Id;

    private static TimeSpan StopGrace(JsonElement spec) =>
        spec.TryGetProperty("TaskTemplate", out var t) && t.TryGetProperty("ContainerSpec", out var c)
            && c.TryGetProperty("StopGracePeriod", out var g) && g.TryGetInt64(out var ns) && ns > 0
            ? TimeSpan.FromTicks(Math.Min(ns / 100, TimeSpan.FromMinutes(10).Ticks))
            : DefaultStopGrace;

    private static async Task AppendAllAsync(List<(CaseDirectory Dir, CustodyLog Custody)> cases, string action, string target, CustodyOutcome outcome, string detail,
        CancellationToken cancellationToken)
    {
        foreach (var (_, custody) in cases)
        {
            await custody.AppendAsync(action, target, outcome, detail, cancellationToken);
        }
    }
}
