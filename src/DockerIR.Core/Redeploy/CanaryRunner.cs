using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Platform;
using DockerIR.Core.Formats;
using Serilog;

namespace DockerIR.Core.Redeploy;

/// <summary>What the preflight of a replacement showed: whether it passed, its probes, and when it failed, why.</summary>
public sealed record PreflightResult(bool Passed, IReadOnlyList<ProbeResult> Probes, IReadOnlyList<string> ReadOnlyWrites, IReadOnlyList<string> LogTail, string Detail);

/// <summary>
/// Runs canaries of a planned replacement, before anything is killed: a writable one of the ORIGINAL image that shows
/// where the app writes (its write profile), and the replacement exactly as planned, read-only and hardened, that must
/// pass its probes (the preflight). A canary never publishes ports, answers for the service, takes its address or
/// writes its volumes (<see cref="ReplacementRequest.Canary"/>), and is always removed, with its fresh volumes.
/// </summary>
public sealed class CanaryRunner(IContainerEngine engine, ILogger log, HttpClient http)
{
    /// <summary>How long the profiling canary runs when no probe tells when it is up.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>How long the profiling canary runs on once its probes passed, for the writes that follow the first answer.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest the profiling canary waits for its probes.</summary>
    public static readonly TimeSpan ProfileProbeLimit = TimeSpan.FromSeconds(20);

    /// <summary>Files the engine itself places in a container's root (`--init`'s docker-init, the DNS and host files).</summary>
    private static readonly string[] EngineMountPoints = ["/sbin/docker-init", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/.dockerenv", "/run/secrets"];

    private const int MaxUpperEntries = 200_000;
    private const int MaxStats = 200;
    private const int MaxHeaders = 4096;

    /// <summary>Removals of canaries that are done with, going on in the background so the relaunch does not wait for them.</summary>
    private static readonly ConcurrentDictionary<Task, byte> Removals = new();

    /// <summary>
    /// Opened when no relaunch is under way any more: a background removal (a kill, an unmount, a volume removed) waits
    /// for it, so it does not compete with the suspect's kill and the replacement's start for the engine.
    /// </summary>
    private static readonly TaskCompletionSource RelaunchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The longest a background removal waits for <see cref="RelaunchDone"/>.</summary>
    private static readonly TimeSpan RemovalHold = TimeSpan.FromSeconds(30);

    /// <summary>Lets the background removals go on: the relaunch they waited for has ended (or none will come).</summary>
    public static void ReleaseRemovals() => RelaunchDone.TrySetResult();

    /// <summary>Waits for every canary removal still going on; the CLI calls it before it lets go of the engine.</summary>
    public static Task DrainRemovalsAsync()
    {
        ReleaseRemovals();
        return Task.WhenAll(Removals.Keys);
    }

    public static string ProfileName(RedeployPlan plan) => $"{plan.SuspectName}.canary-{plan.CaseId}";

    public static string PreflightName(RedeployPlan plan) => $"{plan.SuspectName}.preflight-{plan.CaseId}";

    /// <summary>
    /// Runs the original image as planned but writable, for its start and a short warm-up (its probes included), then
    /// reads what it wrote: its change set and, when the engine is local, its writable layer, where a directory the app
    /// wrote in and emptied again is still present. What the image holds at each place is read from the stopped canary.
    /// </summary>
    public async Task<WriteProfile> ProfileAsync(RedeployPlan draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var (canary, connect) = ProfileRequest(draft);
        var id = await CreateAsync(canary, connect, ProfileName(draft), draft.CaseId, cancellationToken);
        var notes = new List<string>();
        try
        {
            await engine.StartAsync(id, cancellationToken);
            var started = await engine.InspectContainerAsync(id, cancellationToken);
            var probes = ForCanary(draft, started, notes).Where(p => p.Kind is ProbeKind.Http or ProbeKind.Tcp).ToList();
            if (probes.Count == 0)
            {
                await Task.Delay(WarmUp, cancellationToken);
            }
            else
            {
                foreach (var probe in probes)
                {
                    var result = await new ReplacementProbe(engine, http).RunAsync(id, probe with { Timeout = Min(probe.Timeout, ProfileProbeLimit) }, cancellationToken);
                    notes.Add($"warm-up probe {result.Probe}: {(result.Passed ? "passed" : "failed")} ({result.Detail})");
                }

                await Task.Delay(Settle, cancellationToken);
            }

            // Read while it still runs: its root stays mounted on the host, and the kill and removal happen in the
            // background, after the relaunch, instead of before the preflight.
            var warm = await engine.InspectContainerAsync(id, cancellationToken);
            if (!warm.State.Running)
            {
                notes.Add($"the canary of the original image stopped by itself (exit code {warm.State.ExitCode}) during its warm-up; what it wrote until then is in the profile");
            }

            return await ReadProfileAsync(warm, draft.Writable.Select(w => w.Path), notes, cancellationToken);
        }
        finally
        {
            RemoveLater(id);
        }
    }

    /// <summary>The key of the profiling canary's configuration in <see cref="WriteProfileCache"/>.</summary>
    public static string ProfileKey(RedeployPlan draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return WriteProfileCache.Key(draft.ImageId, ProfileRequest(draft).Body);
    }

    /// <summary>The profiling canary's create request: the draft writable, none of its planned writable mounts, as a canary.</summary>
    private static (JsonObject Body, IReadOnlyList<NetworkEndpoint> Connect) ProfileRequest(RedeployPlan draft)
    {
        var body = ReplacementRequest.WithoutWritable(JsonNode.Parse(draft.CreateBody.GetRawText()) as JsonObject ?? [], draft.Writable);
        return ReplacementRequest.Canary(body, draft.ConnectBeforeStart, draft.CaseId, readOnly: false);
    }

    /// <summary>
    /// What the original image holds where the plan writes (owner, mode, entries), read through a container of it that
    /// is created with no network, never started, and removed: for a plan no canary may run for (a service's task, a
    /// dry run of a playbook), so its mounts still never hide image content.
    /// </summary>
    public async Task<WriteProfile> DescribeImageAsync(RedeployPlan draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var planned = JsonNode.Parse(draft.CreateBody.GetRawText()) as JsonObject ?? [];
        var labels = planned["Labels"]?.DeepClone() as JsonObject ?? [];
        labels.Remove(RedeployPlanner.LabelReplacementCase);
        labels.Remove(RedeployPlanner.LabelReplaces);
        labels[ReplacementRequest.LabelCanary] = draft.CaseId;
        var body = new JsonObject
        {
            ["Image"] = draft.ImageId,
            ["Cmd"] = planned["Cmd"]?.DeepClone(),
            ["Entrypoint"] = planned["Entrypoint"]?.DeepClone(),
            ["Labels"] = labels,
            ["HostConfig"] = new JsonObject { ["NetworkMode"] = "none" },
        };
        var id = await engine.CreateContainerFromJsonAsync(body.ToJsonString(), null, cancellationToken);
        try
        {
            var dirs = new List<ImageDir>();
            foreach (var path in draft.Writable.Select(w => w.Path).Append("/tmp").Distinct(StringComparer.Ordinal).Take(MaxStats))
            {
                if (await ReadDirAsync(id, path, [], cancellationToken) is { } dir)
                {
                    dirs.Add(dir);
                }
            }

            var locations = dirs.Any(d => d is { Path: "/tmp", Exists: true, Entries: 0 }) ? new List<WriteLocation> { new("/tmp", WriteSeen.Scratch, false, "/tmp") } : [];
            return new WriteProfile("the suspect's change set, with what the image holds there read from a container of it that never ran", locations, dirs,
                ["no canary ran, so files the app creates and removes again are not seen"]);
        }
        finally
        {
            await RemoveAsync(id);
        }
    }

    /// <summary>Starts the replacement exactly as planned, as a canary, and probes it over its own address; the suspect is not touched.</summary>
    public async Task<PreflightResult> PreflightAsync(RedeployPlan plan, IProgress<string>? progress, Func<ProbeResult, Task> record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var body = JsonNode.Parse(plan.CreateBody.GetRawText()) as JsonObject ?? [];
        var (canary, connect) = ReplacementRequest.Canary(body, plan.ConnectBeforeStart, plan.CaseId, readOnly: true);
        string id;
        try
        {
            id = await CreateAsync(canary, connect, PreflightName(plan), plan.CaseId, cancellationToken);
        }
        catch (DockerIRException e) when (e.Kind is FailureKind.EngineError or FailureKind.NotFound)
        {
            return new PreflightResult(false, [], [], [], $"the engine refused to create it: {e.Message}");
        }

        try
        {
            try
            {
                await engine.StartAsync(id, cancellationToken);
            }
            catch (DockerIRException e) when (e.Kind is FailureKind.EngineError)
            {
                return new PreflightResult(false, [], [], await LogTailAsync(engine, id, cancellationToken), $"the engine could not start it: {e.Message}");
            }

            var started = await engine.InspectContainerAsync(id, cancellationToken);
            var notes = new List<string>();
            var probes = ForCanary(plan, started, notes);
            var results = await new ReplacementProbe(engine, http).RunAllAsync(id, probes, progress, record, cancellationToken);
            var passed = results.All(r => r.Passed);
            if (passed)
            {
                RemoveLater(id);
                id = "";
                return new PreflightResult(true, results, [], [], string.Join("; ", results.Select(r => $"{r.Probe}: {r.Detail}").Concat(notes)));
            }

            var logs = await LogTailAsync(engine, id, cancellationToken);
            var readOnly = logs.Where(l => l.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) || l.Contains("EROFS", StringComparison.Ordinal)).ToList();
            var failed = results.First(r => !r.Passed);
            return new PreflightResult(false, results, readOnly, logs, $"{failed.Probe}: {failed.Detail}");
        }
        finally
        {
            if (id.Length > 0)
            {
                await RemoveAsync(id);
            }
        }
    }

    /// <summary>The plan's probes aimed at a canary: an HTTP or TCP probe of a published port goes to the canary's own address and container port.</summary>
    public static List<ProbeSpec> ForCanary(RedeployPlan plan, ContainerInspection canary, List<string> notes)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(notes);
        var ip = canary.Networks.Select(n => n.IpAddress).FirstOrDefault(a => !string.IsNullOrEmpty(a));
        var result = new List<ProbeSpec>();
        foreach (var probe in plan.Probes)
        {
            if (probe.Kind is not (ProbeKind.Http or ProbeKind.Tcp))
            {
                result.Add(probe);
                continue;
            }

            var (port, rebuild) = Target(probe);
            if (ip is null)
            {
                notes.Add($"{probe} cannot reach the canary, which has no address of its own on a network; it must stay up instead");
                result.Add(new ProbeSpec(ProbeKind.StayUp, null, probe.Timeout));
                continue;
            }

            var containerPort = plan.Replacement.HostConfig.PortBindings.FirstOrDefault(b => b.HostPort == port.ToString(System.Globalization.CultureInfo.InvariantCulture))?.ContainerPort;
            var target = containerPort is null ? port : int.Parse(containerPort.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture);
            result.Add(probe with { Target = rebuild(ip, target) });
        }

        return result;

        static (int Port, Func<string, int, string> Rebuild) Target(ProbeSpec probe)
        {
            if (probe.Kind == ProbeKind.Http)
            {
                var uri = new Uri(probe.Target!);
                return (uri.Port, (ip, port) => new UriBuilder(uri) { Host = ip, Port = port }.Uri.ToString());
            }

            var colon = probe.Target!.LastIndexOf(':');
            return (int.Parse(probe.Target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), (ip, port) => $"{ip}:{port}");
        }
    }

    private async Task<string> CreateAsync(JsonObject body, IReadOnlyList<NetworkEndpoint> connect, string name, string caseId, CancellationToken cancellationToken)
    {
        await RemoveLeftoverAsync(name, caseId, cancellationToken);
        var id = await engine.CreateContainerFromJsonAsync(body.ToJsonString(), name, cancellationToken);
        log.CanaryCreated(EngineIds.Abbreviate(id), name);
        try
        {
            foreach (var endpoint in connect)
            {
                await engine.ConnectNetworkFromJsonAsync(endpoint.Network, id, endpoint.Config.GetRawText(), cancellationToken);
            }
        }
        catch
        {
            await RemoveAsync(id);
            throw;
        }

        return id;
    }

    /// <summary>A canary a killed run left behind under this name is removed; anything else under the name is refused.</summary>
    private async Task RemoveLeftoverAsync(string name, string caseId, CancellationToken cancellationToken)
    {
        ContainerInspection existing;
        try
        {
            existing = await engine.InspectContainerAsync(name, cancellationToken);
        }
        catch (ContainerNotFoundException)
        {
            return;
        }

        if (existing.Name != name)
        {
            return;
        }

        if (existing.Config.Labels.GetValueOrDefault(ReplacementRequest.LabelCanary) != caseId)
        {
            throw new DockerIRException(FailureKind.Conflict, $"a container named {name} ({EngineIds.Abbreviate(existing.Id)}) exists and is not this case's canary; remove or rename it, then run again");
        }

        await RemoveAsync(existing.Id);
    }

    /// <summary>Kills a canary now and removes it in the background once the relaunch is done (it no longer matters to the run); <see cref="DrainRemovalsAsync"/> waits for it.</summary>
    private void RemoveLater(string id)
    {
        var removal = Task.Run(async () =>
        {
            // Stopped at once, so its app uses no more of the machine; removed once the relaunch is done.
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await engine.KillAsync(id, "SIGKILL", cts.Token);
            }
            catch (Exception e) when (e is DockerIRException or OperationCanceledException)
            {
            }

            await Task.WhenAny(RelaunchDone.Task, Task.Delay(RemovalHold));
            await RemoveAsync(id);
        });
        Removals[removal] = 0;
        _ = removal.ContinueWith(t => Removals.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task RemoveAsync(string id)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await engine.RemoveContainerAsync(id, force: true, removeVolumes: true, cts.Token);
        }
        catch (Exception e) when (e is DockerIRException or OperationCanceledException)
        {
            log.CanaryNotRemoved(EngineIds.Abbreviate(id), e.Message);
        }
    }

    /// <param name="alsoDescribe">Places the suspect's change set writes in: what the image holds there is read too.</param>
    private async Task<WriteProfile> ReadProfileAsync(ContainerInspection canary, IEnumerable<string> alsoDescribe, List<string> notes, CancellationToken cancellationToken)
    {
        // What the engine made, not the app: mount points of the canary's volumes and tmpfs, docker-init, and the
        // directories that hold nothing else.
        var mounted = canary.Mounts.Select(m => m.Destination).Concat(canary.HostConfig.Tmpfs.Keys).Concat(EngineMountPoints).ToList();
        var changes = (await engine.GetChangesAsync(canary.Id, cancellationToken)).Where(c => !mounted.Any(m => ChangeSetPaths.IsAtOrBelow(c.Path, m))).ToList();
        var holdersOnly = changes.Where(c => mounted.Any(m => ChangeSetPaths.IsAtOrBelow(m, c.Path))
            && !changes.Any(o => o.Path != c.Path && ChangeSetPaths.IsAtOrBelow(o.Path, c.Path) && !mounted.Any(m => ChangeSetPaths.IsAtOrBelow(m, o.Path)))).ToList();
        changes.RemoveAll(holdersOnly.Contains);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var method = "the canary's change set (docker diff)";
        var upper = canary.GraphDriver.Data.GetValueOrDefault("UpperDir");
        if (!string.IsNullOrEmpty(upper) && Directory.Exists(upper))
        {
            method = "the canary's change set and its writable layer on this host (directories written in and emptied again included)";
            var known = changes.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
            foreach (var (path, empty) in WalkUpper(upper))
            {
                directories.Add(path);
                var isMountPoint = mounted.Any(m => ChangeSetPaths.IsAtOrBelow(m, path));
                if (empty && !isMountPoint && !known.Contains(path))
                {
                    changes.Add(new ChangeEntry(path, ChangeKind.Changed));
                }
            }
        }
        else
        {
            notes.Add("the canary's writable layer is not readable here (a remote engine, or not root): files the app creates and removes again are not seen; the preflight shows whether the replacement boots");
        }

        var locations = WritePlacement.Locations(changes, WriteSeen.Canary, directories);
        var added = changes.Where(c => c.Kind == ChangeKind.Added).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        var merged = canary.State.Running ? canary.GraphDriver.Data.GetValueOrDefault("MergedDir") : null;
        var dirs = new List<ImageDir>();
        foreach (var path in locations.Select(l => l.Path).Concat(alsoDescribe).Append("/tmp").Distinct(StringComparer.Ordinal).Take(MaxStats))
        {
            var (answered, onHost) = ReadDirOnHost(merged, path, added);
            if ((answered ? onHost : await ReadDirAsync(canary.Id, path, added, cancellationToken)) is { } dir)
            {
                dirs.Add(dir);
            }
        }

        if (dirs.FirstOrDefault(d => d.Path == "/tmp") is { Exists: true, Entries: 0 } && !locations.Any(l => l.Path == "/tmp"))
        {
            locations.Add(new WriteLocation("/tmp", WriteSeen.Scratch, false, "/tmp"));
        }

        return new WriteProfile(method, locations, dirs, notes);
    }

    /// <summary>Every directory of the writable layer (no link followed), and whether it is empty there.</summary>
    private static IEnumerable<(string Path, bool Empty)> WalkUpper(string upper)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true };
        var pending = new Stack<(string Host, string Path)>();
        pending.Push((upper, ""));
        var seen = 0;
        while (pending.Count > 0 && seen < MaxUpperEntries)
        {
            var (host, path) = pending.Pop();
            var any = false;
            foreach (var entry in new DirectoryInfo(host).EnumerateFileSystemInfos("*", options))
            {
                any = true;
                seen++;
                if (entry is DirectoryInfo { LinkTarget: null })
                {
                    pending.Push((entry.FullName, $"{path}/{entry.Name}"));
                }
            }

            if (path.Length > 0)
            {
                yield return (path, !any);
            }
        }
    }

    /// <summary>
    /// What the image holds at a directory, read on this host through the running canary's root (overlay's merged
    /// directory: the image and what the app wrote, no volume or tmpfs of the canary's). Not answered (the engine's
    /// archive is asked instead) when that root is not readable here (a remote engine, not root) or a symlink is on the
    /// way: the engine resolves links as the container sees them, and the host never follows one. About a thousand
    /// times faster than an archive request (140 ms each on this machine).
    /// </summary>
    private static (bool Answered, ImageDir? Dir) ReadDirOnHost(string? merged, string path, HashSet<string> added)
    {
        if (string.IsNullOrEmpty(merged) || Native.LStat(merged) is not { Type: HostStat.Directory })
        {
            return (false, null);
        }

        var host = merged;
        HostStat? stat = null;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part is "." or "..")
            {
                return (false, null);
            }

            if (stat is { Type: not HostStat.Directory })
            {
                return (true, new ImageDir(path, false, 0, 0x1ED, 0, 0)); // a parent is a file: nothing exists below it
            }

            host = host + "/" + part;
            stat = Native.LStat(host);
            if (stat is null)
            {
                return (true, new ImageDir(path, false, 0, 0x1ED, 0, 0));
            }

            if (stat.Value.Type == HostStat.Symlink)
            {
                return (false, null);
            }
        }

        if (stat is not { Type: HostStat.Directory } found)
        {
            return (true, null); // not a directory: no mount goes here
        }

        var dir = new ImageDir(path, !added.Contains(path), 0, (int)found.Permissions, found.Uid, found.Gid);
        try
        {
            foreach (var name in Directory.EnumerateFileSystemEntries(host).Select(Path.GetFileName))
            {
                var full = (path == "/" ? "/" : path + "/") + name;
                if (!AddedByTheApp(full, added))
                {
                    dir = dir with { Entries = dir.Entries + 1 };
                    if (dir.Entries >= WritePlacement.EntryCap)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (false, null);
        }

        return (true, dir);
    }

    /// <summary>Whether the app added this path, or it lies in a directory the app added (not what the image holds).</summary>
    private static bool AddedByTheApp(string path, HashSet<string> added) => added.Contains(path) || added.Any(a => ChangeSetPaths.IsBelow(path, a));

    /// <summary>What the canary holds at a directory, through the engine's archive: its owner and mode, and how many entries the app did not add (capped).</summary>
    private async Task<ImageDir?> ReadDirAsync(string canaryId, string path, HashSet<string> added, CancellationToken cancellationToken)
    {
        try
        {
            await using var archive = await engine.GetArchiveAsync(canaryId, path, cancellationToken);
            var parent = ChangeSetPaths.Parent(path);
            using var reader = new TarStreamReader(archive.Content);
            ImageDir? dir = null;
            var headers = 0;
            while (headers++ < MaxHeaders && await reader.NextAsync(cancellationToken) is { } item)
            {
                var full = (parent == "/" ? "/" : parent + "/") + item.Name.TrimEnd('/');
                if (dir is null)
                {
                    if (item.Type != TarItemType.Directory || full != path)
                    {
                        return null; // not a directory (a link the engine resolved, or a file): no mount goes here
                    }

                    dir = new ImageDir(path, !added.Contains(path), 0, (int)item.Mode, item.Uid, item.Gid);
                    continue;
                }

                if (!AddedByTheApp(full, added))
                {
                    dir = dir with { Entries = dir.Entries + 1 };
                    if (dir.Entries >= WritePlacement.EntryCap)
                    {
                        break;
                    }
                }
            }

            return dir;
        }
        catch (EngineObjectNotFoundException)
        {
            return new ImageDir(path, false, 0, 0x1ED, 0, 0);
        }
    }

    /// <summary>A container's last 20 log lines, escaped, or why they could not be read.</summary>
    public static async Task<IReadOnlyList<string>> LogTailAsync(IContainerEngine engine, string containerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
