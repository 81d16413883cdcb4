using System.Text;
using System.Text.Json;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Snapshot;
using Serilog;

namespace DockerIR.Core.Redeploy;

/// <summary>What to relaunch and under which case.</summary>
public sealed record RedeployRequest(string Container)
{
    /// <summary>The case with the suspect's snapshot; null to find the latest one under <see cref="CasesRoot"/>.</summary>
    public string? CaseDir { get; init; }

    public string CasesRoot { get; init; } = CaseLocator.DefaultRoot;

    /// <summary>Relaunch even though no committed snapshot is recorded (the operator's explicit choice).</summary>
    public bool NoEvidence { get; init; }

    public RedeployOptions Options { get; init; } = new();
}

/// <summary>A computed plan with the case it belongs to, ready to be shown or executed.</summary>
public sealed record PreparedRedeploy(RedeployPlan Plan, string CaseDir, bool EvidenceCommitted, ContainerInspection Suspect);

/// <summary>What a redeploy did.</summary>
public sealed record RedeployResult(
    RedeployPlan Plan,
    string CaseDir,
    bool Executed,
    string? ReplacementId,
    string? SuspectKeptAs,
    IReadOnlyList<ProbeResult> Probes,
    bool Passed,
    IReadOnlyList<string> ReplacementLogTail)
{
    /// <summary>The error a failed probe ends a redeploy with; <paramref name="withLogs"/> adds the replacement's last log lines when nothing else shows them.</summary>
    public DockerIRException ProbeFailure(bool withLogs)
    {
        var failed = Probes.First(p => !p.Passed);
        return new DockerIRException(FailureKind.ProbeFailed,
            $"the replacement failed its probe ({failed.Probe}: {failed.Detail}); both containers and the evidence are left in place"
            + (withLogs ? $"; its last log lines: {string.Join(" | ", ReplacementLogTail.TakeLast(5))}" : ""));
    }
}

/// <summary>
/// Contains and recovers: refuses without committed evidence, computes the plan, then kills the suspect,
/// renames and keeps it, creates the replacement from the original image under the original name, starts it and
/// probes it. Every step is idempotent, so a resumed run repeats no kill and creates no second replacement.
/// </summary>
public sealed class RedeployWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log, HttpClient http)
{
    /// <summary>The plan of the relaunch, in the case (the report's "what the redeploy changes").</summary>
    public const string PlanFile = "redeploy-plan.json";

    public async Task<PreparedRedeploy> PrepareAsync(RedeployRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var suspect = await engine.InspectContainerAsync(request.Container, cancellationToken);
        if (suspect.Config.Labels.TryGetValue(RedeployPlanner.LabelReplaces, out var replaced))
        {
            throw new DockerIRException(FailureKind.Refused,
                $"{suspect.Name} is already the read-only replacement of {EngineIds.Abbreviate(replaced)} (case {suspect.Config.Labels.GetValueOrDefault(RedeployPlanner.LabelReplacementCase)}); nothing to redeploy");
        }

        var image = await TryInspectImageAsync(suspect.ImageId, cancellationToken);
        if (image?.Config.Labels.ContainsKey(SnapshotWorkflow.LabelSourceContainer) == true)
        {
            throw new DockerIRException(FailureKind.Refused,
                $"{suspect.Name} runs from an evidence image ({EngineIds.Abbreviate(suspect.ImageId)}); a relaunch needs the original image, never the attacker's snapshot");
        }

        if (image is null)
        {
            throw new DockerIRException(FailureKind.NotFound,
                $"the original image {suspect.ImageReference} ({EngineIds.Abbreviate(suspect.ImageId)}) is no longer on the engine; load it before relaunching");
        }

        var (dir, record) = await OpenCaseAsync(request, suspect, cancellationToken);
        var originalName = record.Container.Name;
        var changes = await dir.ReadChangesAsync(required: false, cancellationToken);
        var users = ReadProcessUsers(dir);
        var asPlanned = suspect with { Name = originalName };
        if (suspect.PublishedPorts.Count == 0 && ReadStoredPorts(dir) is { Count: > 0 } held)
        {
            // Stopped (a resumed run killed it already): the ports it held are in the inspect the snapshot stored.
            asPlanned = asPlanned with { PublishedPorts = held };
        }

        var plan = RedeployPlanner.Plan(new RedeployInput(record.CaseId, asPlanned, image, changes, users), request.Options);

        return new PreparedRedeploy(plan, dir.Root, record.Snapshot is not null, suspect);
    }

    /// <summary>
    /// The plan as it would be for a container that has no case yet (a playbook's dry run), from the live change set
    /// and process list. Reads only; writes nothing and changes nothing.
    /// </summary>
    public async Task<RedeployPlan> PreviewAsync(string container, RedeployOptions options, CancellationToken cancellationToken)
    {
        var suspect = await engine.InspectContainerAsync(container, cancellationToken);
        var image = await TryInspectImageAsync(suspect.ImageId, cancellationToken);
        var changes = ChangeClassifier.Classify(await engine.GetChangesAsync(suspect.Id, cancellationToken));
        var users = new List<string>();
        if (suspect.State.Running)
        {
            var top = await engine.GetProcessesAsync(suspect.Id, cancellationToken);
            users = UsersOf(top.Titles, top.Processes);
        }

        return RedeployPlanner.Plan(new RedeployInput("<new case>", suspect, image, changes, users), options);
    }

    /// <summary>
    /// Records a plan in its case before the case is sealed (a bundle follows), so the sealed report says what the
    /// relaunch changes: <see cref="PlanFile"/> and a custody line.
    /// </summary>
    public async Task RecordPlanAsync(PreparedRedeploy prepared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var (dir, record) = await CaseDirectory.OpenAsync(prepared.CaseDir, cancellationToken);
        await RecordPlanAsync(dir, new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock), prepared, write: true, cancellationToken);
    }

    /// <summary>
    /// The plan's record at execution: <see cref="PlanFile"/> when <paramref name="write"/> (the case is not sealed;
    /// a sealed case's files never change), and a custody line that says whether the plan matches the sealed one.
    /// </summary>
    private static async Task RecordPlanAsync(CaseDirectory dir, CustodyLog custody, PreparedRedeploy prepared, bool write, CancellationToken cancellationToken)
    {
        var plan = prepared.Plan;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(plan, CoreJsonContext.Indented.RedeployPlan);
        var path = dir.PathOf(PlanFile);
        string recorded;
        if (write)
        {
            await dir.WriteBytesAsync(PlanFile, bytes, cancellationToken);
            recorded = $"recorded in {PlanFile}";
        }
        else
        {
            recorded = !File.Exists(path) ? $"the case was sealed before a plan was recorded; this plan is in custody only"
                : (await File.ReadAllBytesAsync(path, cancellationToken)).AsSpan().SequenceEqual(bytes) ? $"the same as the sealed {PlanFile}"
                : $"DIFFERS from the sealed {PlanFile}: the container's configuration changed after sealing";
        }

        await custody.AppendAsync("redeploy.plan", $"{plan.SuspectName} ({plan.SuspectId})", CustodyOutcome.Succeeded,
            $"profile {plan.Profile.ToString().ToLowerInvariant()}, image {plan.ImageId}, {plan.Changes.Count} changes, tmpfs [{string.Join(", ", plan.Tmpfs.Select(t => t.Path))}], "
            + $"fixes [{string.Join(", ", plan.Fixes.Select(f => f.Id))}]; {recorded}"
            + (prepared.EvidenceCommitted ? "" : "; relaunched WITHOUT committed evidence (--no-evidence)"), cancellationToken);
    }

    public async Task<RedeployResult> ExecuteAsync(PreparedRedeploy prepared, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var plan = prepared.Plan;
        var (dir, record) = await CaseDirectory.OpenAsync(prepared.CaseDir, cancellationToken);
        var custody = new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock);
        var target = $"{plan.SuspectName} ({plan.SuspectId})";
        await RecordPlanAsync(dir, custody, prepared, write: !File.Exists(dir.PathOf(CaseFiles.SumsFile)), cancellationToken);
        try
        {
            progress?.Report("kill");
            var suspect = await engine.InspectContainerAsync(plan.SuspectId, cancellationToken);
            await KillAsync(custody, suspect, target, cancellationToken);

            progress?.Report("rename");
            var keptAs = await RenameAsync(custody, suspect, plan, target, cancellationToken);

            progress?.Report("create");
            var replacementId = await CreateOrAdoptAsync(custody, plan, cancellationToken);
            var replacementTarget = $"{plan.SuspectName} ({replacementId})";

            progress?.Report("start");
            var replacement = await engine.InspectContainerAsync(replacementId, cancellationToken);
            if (!replacement.State.Running)
            {
                await engine.StartAsync(replacementId, cancellationToken);
                await custody.AppendAsync("replacement.start", replacementTarget, CustodyOutcome.Succeeded, "read-only, hardened", cancellationToken);
                log.Information("Started replacement {Container} as {Name}", EngineIds.Abbreviate(replacementId), plan.SuspectName);
            }

            var probes = await new ReplacementProbe(engine, http).RunAllAsync(replacementId, plan.Probes, progress,
                result => custody.AppendAsync("replacement.probe", replacementTarget, result.Passed ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
                    $"{result.Probe}: {result.Detail}", cancellationToken), cancellationToken);

            var passed = probes.All(p => p.Passed);
            var logs = passed ? [] : await LogTailAsync(replacementId, cancellationToken);
            return new RedeployResult(plan, dir.Root, true, replacementId, keptAs, probes, passed, logs);
        }
        catch (OperationCanceledException)
        {
            await custody.AppendAsync("redeploy", target, CustodyOutcome.Interrupted, "cancelled by the operator", CancellationToken.None);
            throw;
        }
        catch (DockerIRException e)
        {
            await custody.AppendAsync("redeploy", target, CustodyOutcome.Failed, e.Message, CancellationToken.None);
            throw;
        }
    }

    private async Task KillAsync(CustodyLog custody, ContainerInspection suspect, string target, CancellationToken cancellationToken)
    {
        if (!suspect.State.Running && !suspect.State.Paused)
        {
            await custody.AppendAsync("container.kill", target, CustodyOutcome.Skipped, $"already {suspect.State.Status}", cancellationToken);
            return;
        }

        await engine.KillAsync(suspect.Id, "SIGKILL", cancellationToken);
        if (suspect.State.Paused)
        {
            // A frozen cgroup holds the signal until it is thawed.
            await IgnoreConflictAsync(() => engine.UnpauseAsync(suspect.Id, cancellationToken));
        }

        if (!suspect.HostConfig.AutoRemove)
        {
            await engine.WaitAsync(suspect.Id, cancellationToken);
        }

        await custody.AppendAsync("container.kill", target, CustodyOutcome.Succeeded, "SIGKILL after the evidence was recorded", cancellationToken);
        log.Information("Killed {Container}", EngineIds.Abbreviate(suspect.Id));
    }

    private async Task<string?> RenameAsync(CustodyLog custody, ContainerInspection suspect, RedeployPlan plan, string target, CancellationToken cancellationToken)
    {
        if (suspect.Name == plan.QuarantineName)
        {
            await custody.AppendAsync("container.rename", target, CustodyOutcome.Skipped, $"already kept as {plan.QuarantineName}", cancellationToken);
            return plan.QuarantineName;
        }

        if (suspect.HostConfig.AutoRemove)
        {
            await custody.AppendAsync("container.rename", target, CustodyOutcome.Skipped,
                "the suspect was started with --rm, so the engine removed it when it was killed; its snapshot is the evidence", cancellationToken);
            return null;
        }

        await engine.RenameAsync(suspect.Id, plan.QuarantineName, cancellationToken);
        await custody.AppendAsync("container.rename", target, CustodyOutcome.Succeeded, $"kept, stopped, as {plan.QuarantineName}", cancellationToken);
        return plan.QuarantineName;
    }

    private async Task<string> CreateOrAdoptAsync(CustodyLog custody, RedeployPlan plan, CancellationToken cancellationToken)
    {
        ContainerInspection? existing = null;
        try
        {
            existing = await engine.InspectContainerAsync(plan.SuspectName, cancellationToken);
        }
        catch (ContainerNotFoundException)
        {
        }

        if (existing is not null && existing.Name == plan.SuspectName)
        {
            var ours = existing.Config.Labels.GetValueOrDefault(RedeployPlanner.LabelReplacementCase) == plan.CaseId
                && existing.Config.Labels.GetValueOrDefault(RedeployPlanner.LabelReplaces) == plan.SuspectId;
            if (!ours)
            {
                throw new DockerIRException(FailureKind.Conflict,
                    $"a container named {plan.SuspectName} ({EngineIds.Abbreviate(existing.Id)}) already exists and is not this case's replacement; remove or rename it ('docker rm {EngineIds.Abbreviate(existing.Id)}'), then run redeploy again");
            }

            await custody.AppendAsync("replacement.create", $"{plan.SuspectName} ({existing.Id})", CustodyOutcome.Skipped, "already created by this case; adopted", cancellationToken);
            return existing.Id;
        }

        var id = await engine.CreateContainerAsync(plan.Replacement, plan.SuspectName, cancellationToken);
        await custody.AppendAsync("replacement.create", $"{plan.SuspectName} ({id})", CustodyOutcome.Succeeded,
            $"from the original image {plan.ImageId}, read-only", cancellationToken);
        foreach (var network in plan.ConnectBeforeStart)
        {
            await engine.ConnectNetworkAsync(network.Network, id, network.Aliases, cancellationToken);
            await custody.AppendAsync("replacement.connect", $"{plan.SuspectName} ({id})", CustodyOutcome.Succeeded,
                $"network {network.Network}, aliases [{string.Join(", ", network.Aliases)}]", cancellationToken);
        }

        return id;
    }

    private async Task<IReadOnlyList<string>> LogTailAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            var tty = (await engine.InspectContainerAsync(containerId, cancellationToken)).Config.Tty;
            using var buffer = new MemoryStream();
            await engine.CopyLogsAsync(containerId, new LogRequest(20, 64 << 10, tty, Timestamps: false), buffer, cancellationToken);
            return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(SafeText.Escape).ToList();
        }
        catch (DockerIRException e)
        {
            return [$"(logs not read: {e.Message})"];
        }
    }

    private async Task<(CaseDirectory Dir, CaseRecord Record)> OpenCaseAsync(RedeployRequest request, ContainerInspection suspect, CancellationToken cancellationToken)
    {
        (CaseDirectory Dir, CaseRecord Record)? found = request.CaseDir is not null
            ? await CaseDirectory.OpenAsync(request.CaseDir, cancellationToken)
            : await CaseLocator.FindLatestAsync(request.CasesRoot, suspect.Id, committedOnly: true, cancellationToken);
        if (found is { } f && f.Record.Container.Id != suspect.Id)
        {
            throw new DockerIRException(FailureKind.Usage,
                $"case {f.Record.CaseId} is about container {EngineIds.Abbreviate(f.Record.Container.Id)} ({f.Record.Container.Name}), not {suspect.Name} ({EngineIds.Abbreviate(suspect.Id)})");
        }

        if (found is { Record.Snapshot: not null })
        {
            return found.Value;
        }

        if (!request.NoEvidence)
        {
            throw new DockerIRException(FailureKind.Refused,
                $"no committed snapshot of {suspect.Name} ({EngineIds.Abbreviate(suspect.Id)}) is recorded{(found is null ? $" under {Path.GetFullPath(request.CasesRoot)}" : $" in case {found.Value.Record.CaseId}")}; "
                + $"take one first with 'dockerir snapshot {suspect.Name}' (or pass --case-dir), or relaunch without evidence with --no-evidence");
        }

        if (found is not null)
        {
            return found.Value;
        }

        return await CaseLocator.OpenNewAsync(null, request.CasesRoot, suspect, engine.Endpoint, actor, clock, "redeploy --no-evidence (no snapshot taken)", cancellationToken);
    }

    /// <summary>The users the suspect's processes ran as, from the process list the snapshot stored.</summary>
    private static List<string> ReadProcessUsers(CaseDirectory dir)
    {
        var path = dir.PathOf("container/top.json");
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var titles = doc.RootElement.GetProperty("Titles").EnumerateArray().Select(t => t.GetString() ?? "").ToList();
            var rows = doc.RootElement.GetProperty("Processes").EnumerateArray()
                .Select(p => (IReadOnlyList<string>)p.EnumerateArray().Select(c => c.GetString() ?? "").ToList());
            return UsersOf(titles, rows);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>The user column (UID or USER) of a process list, live or as the snapshot stored it.</summary>
    private static List<string> UsersOf(IReadOnlyList<string> titles, IEnumerable<IReadOnlyList<string>> rows)
    {
        var column = titles.ToList().FindIndex(t => t is "UID" or "USER");
        return column < 0 ? [] : rows.Where(p => p.Count > column).Select(p => p[column]).Where(u => u.Length > 0).ToList();
    }

    private static List<PortBinding> ReadStoredPorts(CaseDirectory dir)
    {
        var path = dir.PathOf(CaseDirectory.InspectFile);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("NetworkSettings", out var ns) || !ns.TryGetProperty("Ports", out var ports) || ports.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            return ports.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Array)
                .SelectMany(p => p.Value.EnumerateArray().Select(b => new PortBinding(p.Name,
                    b.TryGetProperty("HostIp", out var ip) ? ip.GetString() ?? "" : "", b.TryGetProperty("HostPort", out var hp) ? hp.GetString() ?? "" : "")))
                .ToList();
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    private async Task<ImageInspection?> TryInspectImageAsync(string imageId, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.InspectImageAsync(imageId, cancellationToken);
        }
        catch (ImageNotFoundException)
        {
            return null;
        }
    }

    private static async Task IgnoreConflictAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DockerIRException e) when (e.Kind is FailureKind.Conflict or FailureKind.EngineError or FailureKind.NotFound)
        {
        }
    }
}
