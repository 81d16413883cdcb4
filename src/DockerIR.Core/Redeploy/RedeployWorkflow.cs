using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Platform;
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

    /// <summary>
    /// The case's snapshot is being committed by this same run (respond prepares and preflights the replacement while
    /// the engine commits): the plan may be made before the commit is recorded; nothing is killed before it is.
    /// </summary>
    public bool SnapshotInProgress { get; init; }

    /// <summary>
    /// The suspect as this run inspected it last (respond: the frozen container's inspect the snapshot keeps), so the
    /// plan does not ask the engine again; null to inspect it here.
    /// </summary>
    public ContainerInspection? Suspect { get; init; }

    public RedeployOptions Options { get; init; } = new();
}

/// <summary>A computed plan with the case it belongs to, ready to be shown or executed.</summary>
public sealed record PreparedRedeploy(RedeployPlan Plan, string CaseDir, ContainerInspection Suspect)
{
    /// <summary>Kill even when the preflight fails (--force).</summary>
    public bool Force { get; init; }

    /// <summary>Relaunch without a committed snapshot (--no-evidence).</summary>
    public bool NoEvidence { get; init; }

    /// <summary>The preflight already run for this plan (respond runs it while the commit is in progress); null to run it before the kill.</summary>
    public PreflightResult? Preflight { get; init; }

    /// <summary>The same plan made again from a fresh canary's profile: set when the plan's profile came from the cache, for a preflight it fails.</summary>
    internal Func<CancellationToken, Task<PreparedRedeploy>>? Relearn { get; init; }
}

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
    /// <summary>The preflight of the replacement before the kill; null when none ran (a resumed run whose suspect was already stopped).</summary>
    public PreflightResult? Preflight { get; init; }

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
    public async Task<PreparedRedeploy> PrepareAsync(RedeployRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var suspect = request.Suspect ?? await engine.InspectContainerAsync(request.Container, cancellationToken);
        if (suspect.Config.Labels.TryGetValue(RedeployPlanner.LabelReplaces, out var replaced))
        {
            throw new DockerIRException(FailureKind.Refused,
                $"{suspect.Name} is already the read-only replacement of {EngineIds.Abbreviate(replaced)} (case {suspect.Config.Labels.GetValueOrDefault(RedeployPlanner.LabelReplacementCase)}); nothing to redeploy");
        }

        var image = await TryInspectImageAsync(suspect.ImageId, cancellationToken);
        if (image?.Config.Labels.ContainsKey(EvidenceImage.LabelSourceContainer) == true)
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

        var input = new RedeployInput(record.CaseId, asPlanned, image, changes, users);
        var draft = RedeployPlanner.Plan(input, request.Options);
        var profile = await ReadRecordedProfileAsync(dir, draft, cancellationToken)
            ?? await LearnWritesAsync(draft, request.Options.LearnWrites, fresh: false, cancellationToken);
        var plan = RedeployPlanner.Plan(input with { Profile = profile }, request.Options);

        var prepared = new PreparedRedeploy(plan, dir.Root, suspect) { Force = request.Options.Force, NoEvidence = request.NoEvidence };
        return profile.CachedFrom is null ? prepared : prepared with
        {
            Relearn = async token =>
            {
                var learned = await LearnWritesAsync(draft, runCanary: true, fresh: true, token);
                return prepared with { Plan = RedeployPlanner.Plan(input with { Profile = learned }, request.Options), Relearn = null };
            },
        };
    }

    /// <summary>
    /// The write profile a canary of the original image shows (or, with <paramref name="runCanary"/> false, what the
    /// image holds where the change set writes); a canary that cannot run leaves the change set alone, and says why.
    /// A profile kept in <see cref="WriteProfileCache"/> for the same image and configuration is used instead of a
    /// canary unless <paramref name="fresh"/>; what a canary learns is kept there.
    /// </summary>
    private async Task<WriteProfile> LearnWritesAsync(RedeployPlan draft, bool runCanary, bool fresh, CancellationToken cancellationToken)
    {
        try
        {
            var cache = runCanary ? WriteProfileCache.FromEnvironment(log) : null;
            var key = runCanary ? CanaryRunner.ProfileKey(draft) : "";
            if (!fresh && cache?.Read(key, draft.ImageId) is { } kept)
            {
                var from = $"case {kept.CaseId}, {kept.LearnedUtc:yyyy-MM-dd HH:mm:ss}Z";
                log.WriteProfileFromCache(EngineIds.Abbreviate(draft.ImageId), kept.Profile.Locations.Count, from);
                return kept.Profile with { CachedFrom = from };
            }

            var canaries = new CanaryRunner(engine, log, http);
            var profile = runCanary ? await canaries.ProfileAsync(draft, cancellationToken) : await canaries.DescribeImageAsync(draft, cancellationToken);
            log.WriteProfileLearned(EngineIds.Abbreviate(draft.ImageId), profile.Locations.Count, profile.Method);
            cache?.Write(key, draft.ImageId, draft.CaseId, clock.GetUtcNow(), profile);
            return profile;
        }
        catch (DockerIRException e) when (e.Kind is not (FailureKind.EngineUnreachable or FailureKind.Storage))
        {
            log.NoCanary(e.Message);
            return WriteProfile.None with { Notes = [$"no canary of the original image could run ({e.Message}); only the suspect's change set is known"] };
        }
    }

    /// <summary>
    /// The write profile recorded with this case's plan for the same image (a respond records the plan before sealing,
    /// then executes it): the canary runs once per case.
    /// </summary>
    private static async Task<WriteProfile?> ReadRecordedProfileAsync(CaseDirectory dir, RedeployPlan plan, CancellationToken cancellationToken)
    {
        var path = dir.PathOf(RedeployPlan.FileName);
        if (!File.Exists(path) || new FileInfo(path).Length > 16 << 20)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(path, cancellationToken));
            if (doc.RootElement.TryGetProperty("imageId", out var image) && image.GetString() == plan.ImageId
                && doc.RootElement.TryGetProperty("writeProfile", out var recorded) && recorded.ValueKind == JsonValueKind.Object)
            {
                var profile = recorded.Deserialize(CaseJson.Indented.WriteProfile);
                return profile is { Locations.Count: > 0 } || profile?.Method != WriteProfile.None.Method ? profile : null;
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>
    /// The plan as it would be for a container that has no case yet (a playbook's dry run), from the live change set
    /// and process list; what the image holds where it writes is read through a container of it that never runs and is
    /// removed at once. Writes nothing and leaves the engine as it was.
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

        var input = new RedeployInput("preview", suspect, image, changes, users);
        var draft = RedeployPlanner.Plan(input, options);
        return RedeployPlanner.Plan(input with { Profile = await LearnWritesAsync(draft, runCanary: false, fresh: false, cancellationToken) }, options);
    }

    /// <summary>
    /// Records a plan in its case before the case is sealed (a bundle follows), so the sealed report says what the
    /// relaunch changes: <see cref="RedeployPlan.FileName"/> and a custody line.
    /// </summary>
    public async Task RecordPlanAsync(PreparedRedeploy prepared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var (dir, record) = await CaseDirectory.OpenAsync(prepared.CaseDir, cancellationToken);
        await RecordPlanAsync(dir, new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock), prepared, write: true, cancellationToken);
    }

    /// <summary>
    /// The plan's record at execution: <see cref="RedeployPlan.FileName"/> when <paramref name="write"/> (the case is not sealed;
    /// a sealed case's files never change), and a custody line that says whether the plan matches the sealed one.
    /// </summary>
    private static async Task RecordPlanAsync(CaseDirectory dir, CustodyLog custody, PreparedRedeploy prepared, bool write, CancellationToken cancellationToken)
    {
        var plan = prepared.Plan;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(plan, CaseJson.Indented.RedeployPlan);
        var path = dir.PathOf(RedeployPlan.FileName);
        string recorded;
        if (write)
        {
            await dir.WriteBytesAsync(RedeployPlan.FileName, bytes, cancellationToken);
            recorded = $"recorded in {RedeployPlan.FileName}";
        }
        else
        {
            recorded = !File.Exists(path) ? $"the case was sealed before a plan was recorded; this plan is in custody only"
                : (await File.ReadAllBytesAsync(path, cancellationToken)).AsSpan().SequenceEqual(bytes) ? $"the same as the sealed {RedeployPlan.FileName}"
                : $"DIFFERS from the sealed {RedeployPlan.FileName}: the container's configuration changed after sealing";
        }

        await custody.AppendAsync("redeploy.plan", $"{plan.SuspectName} ({plan.SuspectId})", CustodyOutcome.Succeeded,
            $"profile {plan.Profile.ToString().ToLowerInvariant()}, image {plan.ImageId}, {plan.Changes.Count} changes, tmpfs [{string.Join(", ", plan.Tmpfs.Select(t => t.Path))}], "
            + $"fixes [{string.Join(", ", plan.Fixes.Select(f => f.Id))}]; {recorded}"
            + (prepared.NoEvidence ? "; relaunched WITHOUT committed evidence (--no-evidence)" : ""), cancellationToken);
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
            if (record.Snapshot is null && !prepared.NoEvidence)
            {
                throw new DockerIRException(FailureKind.Refused,
                    $"no committed snapshot of {plan.SuspectName} is recorded in case {record.CaseId}; nothing is killed before its evidence is committed");
            }

            // A plan preflighted ahead (respond, while the commit ran) carries the frozen suspect's inspect of this run;
            // otherwise time may have passed since the plan (a prompt, a resumed run), so the engine is asked again.
            var suspect = prepared.Preflight is not null ? prepared.Suspect : await engine.InspectContainerAsync(plan.SuspectId, cancellationToken);
            if (prepared.Preflight is null)
            {
                var checkedPlan = await PreflightOrRelearnAsync(custody, suspect, prepared, target, progress, cancellationToken);
                if (!ReferenceEquals(checkedPlan.Plan, plan))
                {
                    await RecordPlanAsync(dir, custody, checkedPlan, write: !File.Exists(dir.PathOf(CaseFiles.SumsFile)), cancellationToken);
                }

                prepared = checkedPlan;
                plan = prepared.Plan;
            }

            var preflight = prepared.Preflight;

            progress?.Report("kill");
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
                log.ReplacementStarted(EngineIds.Abbreviate(replacementId), plan.SuspectName);
            }

            await AnnounceToHostAsync(replacementId, cancellationToken);

            var probes = await new ReplacementProbe(engine, http).RunAllAsync(replacementId, plan.Probes, progress,
                result => custody.AppendAsync("replacement.probe", replacementTarget, result.Passed ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
                    $"{result.Probe}: {result.Detail}", cancellationToken), cancellationToken);

            CanaryRunner.ReleaseRemovals();
            var passed = probes.All(p => p.Passed);
            var logs = passed ? [] : await CanaryRunner.LogTailAsync(engine, replacementId, cancellationToken);
            return new RedeployResult(plan, dir.Root, true, replacementId, keptAs, probes, passed, logs) { Preflight = preflight };
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

    /// <summary>
    /// Runs the preflight of a prepared plan ahead of <see cref="ExecuteAsync"/> (respond runs it while the commit is in
    /// progress): the returned plan carries its result, so the execution does not run it again. A failed preflight
    /// throws (exit 12) unless --force, as it would at execution.
    /// </summary>
    public async Task<PreparedRedeploy> PreflightAsync(PreparedRedeploy prepared, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var (dir, record) = await CaseDirectory.OpenAsync(prepared.CaseDir, cancellationToken);
        var custody = new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock);
        var plan = prepared.Plan;
        return await PreflightOrRelearnAsync(custody, prepared.Suspect, prepared, $"{plan.SuspectName} ({plan.SuspectId})", progress, cancellationToken);
    }

    /// <summary>
    /// The preflight of a prepared plan; when the plan's write profile came from the cache and the replacement fails,
    /// the profile is learned again by a canary and the new plan preflighted (a cached profile never blocks a relaunch a
    /// fresh one would allow). Returns the plan that was checked, with its preflight.
    /// </summary>
    private async Task<PreparedRedeploy> PreflightOrRelearnAsync(CustodyLog custody, ContainerInspection suspect, PreparedRedeploy prepared, string target,
        IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (prepared.Relearn is { } relearn)
        {
            var first = await PreflightAsync(custody, suspect, prepared, target, progress, cancellationToken, quiet: true);
            if (first is null || first.Passed)
            {
                return prepared with { Preflight = first, Relearn = null };
            }

            await custody.AppendAsync("replacement.preflight", target, CustodyOutcome.Failed,
                $"with the write profile kept in the cache from {prepared.Plan.WriteProfile.CachedFrom} the replacement failed ({first.Detail}); learning the profile again with a canary", cancellationToken);
            log.PreflightFailedWithCachedProfile(first.Detail);
            prepared = await relearn(cancellationToken);
        }

        return prepared with { Preflight = await PreflightAsync(custody, suspect, prepared, target, progress, cancellationToken) };
    }

    /// <summary>
    /// Starts the replacement exactly as planned as a canary and probes it, before anything is killed. A failure leaves
    /// the suspect as it was and ends the redeploy (unless --force); a suspect already stopped (a resumed run) needs none.
    /// </summary>
    /// <param name="quiet">A first try with a cached profile: a failure is not recorded as the preflight's (the caller learns again and retries).</param>
    private async Task<PreflightResult?> PreflightAsync(CustodyLog custody, ContainerInspection suspect, PreparedRedeploy prepared, string target,
        IProgress<string>? progress, CancellationToken cancellationToken, bool quiet = false)
    {
        var plan = prepared.Plan;
        if (!suspect.State.Running && !suspect.State.Paused)
        {
            await custody.AppendAsync("replacement.preflight", target, CustodyOutcome.Skipped, $"the suspect is already {suspect.State.Status}: the service is down either way", cancellationToken);
            return null;
        }

        progress?.Report("preflight");
        var preflight = await new CanaryRunner(engine, log, http).PreflightAsync(plan, progress,
            result => custody.AppendAsync("replacement.preflight.probe", target, result.Passed ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
                $"{result.Probe}: {result.Detail}", cancellationToken), cancellationToken);
        if (preflight.Passed)
        {
            await custody.AppendAsync("replacement.preflight", target, CustodyOutcome.Succeeded,
                $"the planned replacement booted read-only as a canary and passed: {preflight.Detail}", cancellationToken);
            log.PreflightPassed(preflight.Detail);
            return preflight;
        }

        if (quiet)
        {
            return preflight;
        }

        var why = PreflightFailure(preflight, suspect);
        await custody.AppendAsync("replacement.preflight", target, CustodyOutcome.Failed, why, cancellationToken);
        if (!prepared.Force)
        {
            throw new DockerIRException(FailureKind.PreflightFailed, why + "; give the path it needs with --tmpfs PATH, or --force to kill anyway");
        }

        log.PreflightFailedForced(why);
        return preflight;
    }

    /// <summary>The one line a failed preflight ends with: what failed, that the suspect is as it was, the writes that hit the read-only root, the last log lines.</summary>
    private static string PreflightFailure(PreflightResult preflight, ContainerInspection suspect)
    {
        var state = suspect.State.Paused ? "still paused" : "still running";
        var writes = preflight.ReadOnlyWrites.Count == 0 ? "" : $"; writes that hit the read-only root: {string.Join(" | ", preflight.ReadOnlyWrites.Take(5))}";
        var logs = preflight.LogTail.Count == 0 ? "" : $"; its last log lines: {string.Join(" | ", preflight.LogTail.TakeLast(5))}";
        return $"the replacement failed its preflight ({preflight.Detail}), so nothing was killed: {suspect.Name} is {state}, as it was{writes}{logs}";
    }

    /// <summary>
    /// Tells this host's neighbour table the started replacement's link-layer address on each of its bridge networks
    /// (<see cref="NeighbourTable"/>): a client that kept knocking on the published port during the relaunch had the
    /// kernel resolve the new address before the container's interface was up, and without this its connections wait
    /// for the kernel's next ARP try, 1 s later (measured: the service answered 0.8 s after the start, 0.0 s with it).
    /// Only for an engine on this host, only on networks whose gateway is one of this host's addresses; a refusal
    /// (no CAP_NET_ADMIN) costs nothing but that second.
    /// </summary>
    private async Task AnnounceToHostAsync(string replacementId, CancellationToken cancellationToken)
    {
        if (!engine.IsOnThisHost())
        {
            return;
        }

        var started = await engine.InspectContainerAsync(replacementId, cancellationToken);
        foreach (var network in started.Networks)
        {
            if (!PhysicalAddress.TryParse(network.MacAddress, out var mac) || mac.GetAddressBytes().Length == 0)
            {
                continue;
            }

            foreach (var (address, gateway) in new[] { (network.IpAddress, network.Gateway), (network.GlobalIPv6Address, network.IPv6Gateway) })
            {
                if (!IPAddress.TryParse(address, out var ip) || !IPAddress.TryParse(gateway, out var hostEnd)
                    || NeighbourTable.InterfaceHolding(hostEnd) is not { } nic)
                {
                    continue;
                }

                try
                {
                    NeighbourTable.Learn(nic.Index, ip, mac.GetAddressBytes());
                    log.NeighbourLearned(ip, network.MacAddress, nic.Name);
                }
                catch (IOException e)
                {
                    log.NeighbourNotLearned(ip, nic.Name, e.Message);
                }
            }
        }
    }

    private async Task KillAsync(CustodyLog custody, ContainerInspection suspect, string target, CancellationToken cancellationToken)
    {
        if (!suspect.State.Running && !suspect.State.Paused)
        {
            await custody.AppendAsync("container.kill", target, CustodyOutcome.Skipped, $"already {suspect.State.Status}", cancellationToken);
            return;
        }

        try
        {
            await engine.KillAsync(suspect.Id, "SIGKILL", cancellationToken);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.Conflict)
        {
            // It stopped after the inspect this kill was decided on: there is nothing left to kill.
            await custody.AppendAsync("container.kill", target, CustodyOutcome.Skipped, $"already stopped ({e.Message})", cancellationToken);
            return;
        }

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
        log.Killed(EngineIds.Abbreviate(suspect.Id));
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

        var id = await engine.CreateContainerFromJsonAsync(plan.CreateBody.GetRawText(), plan.SuspectName, cancellationToken);
        await custody.AppendAsync("replacement.create", $"{plan.SuspectName} ({id})", CustodyOutcome.Succeeded,
            $"from the original image {plan.ImageId}, read-only, every other setting the suspect's but the {plan.Changes.Count} planned changes", cancellationToken);
        foreach (var network in plan.ConnectBeforeStart)
        {
            await engine.ConnectNetworkFromJsonAsync(network.Network, id, network.Config.GetRawText(), cancellationToken);
            await custody.AppendAsync("replacement.connect", $"{plan.SuspectName} ({id})", CustodyOutcome.Succeeded,
                $"network {network.Network}, aliases [{string.Join(", ", network.Aliases)}]", cancellationToken);
        }

        return id;
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

        if (found is { Record.Snapshot: not null } || (found is not null && request.SnapshotInProgress))
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
