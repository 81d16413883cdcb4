using System.Globalization;
using System.Text.Json.Nodes;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Redeploy;

/// <summary>What the planner reads: the case, the suspect as inspected, its original image, its change set and who its processes run as.</summary>
public sealed record RedeployInput(
    string CaseId,
    ContainerInspection Suspect,
    ImageInspection? Image,
    IReadOnlyList<ClassifiedChange> Changes,
    IReadOnlyList<string> ProcessUsers)
{
    /// <summary>Where the original image's app writes, learned from a canary; null when none ran (only the change set is known).</summary>
    public WriteProfile? Profile { get; init; }
}

/// <summary>
/// Computes the relaunch of a suspect container from its ORIGINAL image: the same service (command, env, ports,
/// networks, volumes), read-only with tmpfs where the runtime writes, and the hardening profile. Pure: it reads
/// records and returns a plan, so every rule is tested without an engine.
/// </summary>
public static class RedeployPlanner
{
    public const string LabelReplacementCase = "dockerir.replacement.case";
    public const string LabelReplaces = "dockerir.replaces";
    public const string TmpfsOptions = "rw,noexec,nosuid,nodev,size=64m";
    public const long DefaultMemory = 512L << 20;
    public const long DefaultPids = 256;
    public const long DefaultNanoCpus = 1_000_000_000;

    /// <summary>Capabilities the baseline drops: the ones attackers use to sniff, escape or read the host, and device creation.</summary>
    public static readonly IReadOnlyList<string> BaselineDrop = ["NET_RAW", "MKNOD", "AUDIT_WRITE", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH"];

    private static readonly string[] UnconfinedOptions =
        ["seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined", "label=disable", "label:disable", "systempaths=unconfined"];

    public static RedeployPlan Plan(RedeployInput input, RedeployOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        var suspect = input.Suspect;
        var changes = new List<PlanChange>();
        var warnings = new List<string>();
        var h = suspect.HostConfig;

        var profile = input.Profile ?? WriteProfile.None;
        var writable = PlanWritable(input, profile, options, warnings);
        var tmpfs = writable.Where(w => w.Kind == WritableMount.Tmpfs).Select(w => new TmpfsMount(w.Path, w.Options, w.Reason)).ToList();
        var tmpfsMap = new Dictionary<string, string>(h.Tmpfs);
        foreach (var w in writable)
        {
            if (w.Kind == WritableMount.Tmpfs)
            {
                tmpfsMap[w.Path] = w.Options;
            }

            changes.Add(new PlanChange($"{w.Kind} {w.Path}", h.Tmpfs.ContainsKey(w.Path) ? "tmpfs" : "on the read-only root filesystem",
                w.Kind == WritableMount.Tmpfs ? $"tmpfs ({w.Options})" : "anonymous volume", w.Reason));
        }

        var binds = PlanMounts(suspect, changes, warnings);
        var ports = PlanPorts(suspect, changes, warnings);
        var (primary, extra) = PlanNetworks(suspect, warnings);
        var (capAdd, capDrop) = PlanCapabilities(input, options.Profile, ports, changes);
        var securityOpt = PlanSecurityOptions(h.SecurityOpt, changes);
        var user = PlanUser(input, options.Profile, changes, warnings);

        if (!h.ReadonlyRootfs)
        {
            changes.Add(new PlanChange("ReadonlyRootfs", "false", "true", HardeningReasons.ReadOnly));
        }

        if (h.Privileged)
        {
            changes.Add(new PlanChange("Privileged", "true", "false", "CIS 5.5: a privileged container holds every capability and device of the host"));
        }

        if (h.Devices.Count > 0)
        {
            changes.Add(new PlanChange("Devices", string.Join(", ", h.Devices), "none", "CIS 5.18: host devices give direct access to the host's hardware"));
        }

        var pidMode = HostNamespace(h.PidMode, "PidMode", "CIS 5.16: the host's PID namespace shows and signals every host process", "", changes);
        var ipcMode = HostNamespace(h.IpcMode, "IpcMode", "CIS 5.17: the host's IPC namespace shares memory with host processes", "private", changes);
        var utsMode = HostNamespace(h.UtsMode, "UTSMode", "CIS 5.21: the host's UTS namespace lets the container change the host's name", "", changes);
        var usernsMode = HostNamespace(h.UsernsMode, "UsernsMode", "CIS 5.31: sharing the host's user namespace disables user remapping", "", changes);

        var memory = h.Memory > 0 ? h.Memory : DefaultMemory;
        if (h.Memory <= 0)
        {
            changes.Add(new PlanChange("Memory", "unlimited", Bytes(memory), HardeningReasons.Memory));
        }

        long nanoCpus = h.NanoCpus, cpuQuota = h.CpuQuota;
        if (h.NanoCpus <= 0 && h.CpuQuota <= 0)
        {
            nanoCpus = DefaultNanoCpus;
            changes.Add(new PlanChange("NanoCpus", "unlimited", "1 CPU", HardeningReasons.Cpu));
        }

        var pids = h.PidsLimit is > 0 ? h.PidsLimit.Value : DefaultPids;
        if (h.PidsLimit is not > 0)
        {
            changes.Add(new PlanChange("PidsLimit", "unlimited", pids.ToString(CultureInfo.InvariantCulture), HardeningReasons.Pids));
        }

        var ulimits = h.Ulimits.ToList();
        foreach (var u in HostExposure.DefaultUlimits.Where(d => !h.Ulimits.Any(x => x.Name == d.Name)))
        {
            ulimits.Add(u);
            changes.Add(new PlanChange($"Ulimit {u.Name}", "the engine's default", $"{u.Soft}:{u.Hard}", HardeningReasons.Ulimits));
        }

        if (h.AutoRemove)
        {
            changes.Add(new PlanChange("AutoRemove", "true", "false", "a replacement that fails must stay for study"));
        }

        var labels = new Dictionary<string, string>(suspect.Config.Labels)
        {
            [LabelReplacementCase] = input.CaseId,
            [LabelReplaces] = suspect.Id,
        };
        var hostname = suspect.Config.Hostname;
        if (hostname is not null && suspect.Id.StartsWith(hostname, StringComparison.Ordinal))
        {
            hostname = null; // the engine's default (the container's short id), not something the operator chose
        }

        changes.Add(new PlanChange("Labels", "", $"+{LabelReplacementCase}={input.CaseId}, +{LabelReplaces}={EngineIds.Abbreviate(suspect.Id)}",
            "marks the replacement as this case's, so a resumed run adopts it instead of creating a second one"));
        if (!string.IsNullOrEmpty(suspect.Config.Image) && suspect.Config.Image != suspect.ImageId)
        {
            changes.Add(new PlanChange("Image", suspect.Config.Image, suspect.ImageId,
                "the image the suspect ran, pinned by id: a tag moved since (by the attacker or a build) cannot swap it"));
        }

        var spec = new ContainerSpec
        {
            Image = suspect.ImageId,
            Cmd = suspect.Config.Cmd,
            Entrypoint = suspect.Config.Entrypoint,
            Env = suspect.Config.Env,
            WorkingDir = NullIfEmpty(suspect.Config.WorkingDir),
            User = user,
            Hostname = hostname,
            Labels = labels,
            ExposedPorts = suspect.Config.ExposedPorts,
            Healthcheck = suspect.Config.Healthcheck,
            StopSignal = NullIfEmpty(suspect.Config.StopSignal),
            Tty = suspect.Config.Tty,
            Networks = primary is null ? [] : [primary],
            HostConfig = new HostConfigInfo
            {
                Binds = binds,
                NetworkMode = NullIfEmpty(h.NetworkMode),
                PortBindings = ports,
                RestartPolicy = NullIfEmpty(h.RestartPolicy),
                RestartMaxRetries = h.RestartMaxRetries,
                AutoRemove = false,
                CapAdd = capAdd,
                CapDrop = capDrop,
                Privileged = false,
                PublishAllPorts = false,
                ReadonlyRootfs = true,
                SecurityOpt = securityOpt,
                Tmpfs = tmpfsMap,
                PidMode = pidMode,
                IpcMode = ipcMode,
                UtsMode = utsMode,
                UsernsMode = usernsMode,
                // Kept as it is: "host" is the engine's default on cgroup v1, where a private one cannot be had.
                CgroupnsMode = NullIfEmpty(h.CgroupnsMode),
                Memory = memory,
                MemorySwap = h.Memory > 0 ? h.MemorySwap : memory,
                NanoCpus = cpuQuota > 0 ? 0 : nanoCpus,
                CpuQuota = cpuQuota,
                CpuPeriod = h.CpuPeriod,
                CpuShares = h.CpuShares,
                PidsLimit = pids,
                Ulimits = ulimits,
                ExtraHosts = h.ExtraHosts,
                Dns = h.Dns,
                Init = h.Init,
                ShmSize = h.ShmSize,
            },
        };

        var probes = new List<ProbeSpec>();
        if (suspect.Config.Healthcheck is { Test.Count: > 0 } hc && hc.Test[0] != "NONE")
        {
            probes.Add(new ProbeSpec(ProbeKind.Healthcheck, string.Join(' ', hc.Test), options.ProbeTimeout));
        }

        if (options.Probe is not null)
        {
            probes.Add(options.Probe with { Timeout = options.ProbeTimeout });
        }

        if (probes.Count == 0)
        {
            probes.Add(new ProbeSpec(ProbeKind.StayUp, null, options.ProbeTimeout));
        }

        var inspect = ReplacementRequest.Inspect(suspect);
        var (body, connect) = ReplacementRequest.Build(suspect, inspect, ConfigKeys(suspect, inspect, spec, user),
            HostKeys(suspect, inspect, spec, changes, writable));
        return new RedeployPlan(input.CaseId, suspect.Id, suspect.Name, QuarantineName(suspect.Name, input.CaseId), suspect.ImageId,
            suspect.ImageReference, options.Profile, spec, connect, tmpfs, changes, probes, warnings)
        {
            Fixes = Fixes(suspect, spec),
            WriteProfile = profile,
            Writable = writable,
            CreateBody = ReplacementRequest.ToElement(body),
        };
    }

    /// <summary>The Config keys the plan sets in the create body: the image by id, the labels, the user when the plan changes it, and no engine-chosen hostname.</summary>
    private static Dictionary<string, JsonNode?> ConfigKeys(ContainerInspection suspect, JsonObject inspect, ContainerSpec spec, string? user)
    {
        // The labels as the engine reported them (the typed view may have dropped none, but the raw one is what carries), plus the plan's own.
        var labels = inspect["Config"]?["Labels"]?.DeepClone() as JsonObject ?? (JsonObject)Json(suspect.Config.Labels);
        foreach (var (key, value) in spec.Labels.Where(kv => !suspect.Config.Labels.ContainsKey(kv.Key)))
        {
            labels[key] = value;
        }

        var keys = new Dictionary<string, JsonNode?>
        {
            ["Image"] = spec.Image,
            ["Labels"] = labels,
        };
        if (user != NullIfEmpty(suspect.Config.User))
        {
            keys["User"] = user ?? "";
        }

        if (spec.Hostname is null)
        {
            keys["Hostname"] = null; // the engine's default: the new container's own short id
        }

        return keys;
    }

    /// <summary>
    /// The HostConfig keys the plan sets in the create body, each only where <paramref name="changes"/> lists a change
    /// (read-only root and writable mounts always): everything else stays as the suspect's inspect has it.
    /// </summary>
    private static Dictionary<string, JsonNode?> HostKeys(ContainerInspection suspect, JsonObject inspect, ContainerSpec spec, List<PlanChange> changes, List<WritableMount> writable)
    {
        var h = spec.HostConfig;
        var before = suspect.HostConfig;
        bool Changed(string setting) => changes.Any(c => c.Setting == setting || c.Setting.StartsWith(setting + " ", StringComparison.Ordinal));
        var keys = new Dictionary<string, JsonNode?> { ["ReadonlyRootfs"] = true };
        if (writable.Any(w => w.Kind == WritableMount.Tmpfs))
        {
            keys["Tmpfs"] = Json(h.Tmpfs);
        }

        var rawHost = inspect["HostConfig"] as JsonObject ?? [];
        var (binds, mounts) = Mounts(suspect, rawHost, changes, writable);
        if (binds is not null)
        {
            keys["Binds"] = binds;
        }

        if (mounts is not null)
        {
            keys["Mounts"] = mounts;
        }
        if (Changed("port") || Changed("PublishAllPorts"))
        {
            var ports = new JsonObject();
            foreach (var group in h.PortBindings.GroupBy(p => p.ContainerPort, StringComparer.Ordinal))
            {
                ports[group.Key] = new JsonArray(group.Select(p => (JsonNode?)new JsonObject { ["HostIp"] = p.HostIp, ["HostPort"] = p.HostPort }).ToArray());
            }

            keys["PortBindings"] = ports;
            keys["PublishAllPorts"] = false;
        }

        if (Changed("Capabilities"))
        {
            keys["CapAdd"] = Json(h.CapAdd);
            keys["CapDrop"] = Json(h.CapDrop);
        }

        if (Changed("SecurityOpt"))
        {
            keys["SecurityOpt"] = Json(h.SecurityOpt);
        }

        if (before.Privileged || before.SecurityOpt.Contains("systempaths=unconfined", StringComparer.OrdinalIgnoreCase))
        {
            keys["Privileged"] = false;
            keys["MaskedPaths"] = null; // the engine's defaults, which a privileged or unconfined container went without
            keys["ReadonlyPaths"] = null;
        }

        if (Changed("Devices"))
        {
            keys["Devices"] = new JsonArray();
        }

        foreach (var (setting, key, value) in new[] { ("PidMode", "PidMode", h.PidMode), ("IpcMode", "IpcMode", h.IpcMode), ("UTSMode", "UTSMode", h.UtsMode), ("UsernsMode", "UsernsMode", h.UsernsMode) })
        {
            if (Changed(setting))
            {
                keys[key] = value ?? "";
            }
        }

        if (Changed("Memory"))
        {
            keys["Memory"] = h.Memory;
            keys["MemorySwap"] = h.MemorySwap;
        }

        if (Changed("NanoCpus"))
        {
            keys["NanoCpus"] = h.NanoCpus;
        }

        if (Changed("PidsLimit"))
        {
            keys["PidsLimit"] = h.PidsLimit;
        }

        if (Changed("Ulimit"))
        {
            keys["Ulimits"] = new JsonArray(h.Ulimits.Select(u => (JsonNode?)new JsonObject { ["Name"] = u.Name, ["Soft"] = u.Soft, ["Hard"] = u.Hard }).ToArray());
        }

        if (Changed("AutoRemove"))
        {
            keys["AutoRemove"] = false;
        }

        return keys;
    }

    /// <summary>
    /// The suspect's binds and mounts as its inspect has them, less those the plan removes and with the propagation it
    /// changes; its anonymous volumes reused by name (a new one would start empty); the plan's anonymous volumes added.
    /// </summary>
    /// <returns>Each list when it differs from the suspect's, else null (the key stays as it was).</returns>
    private static (JsonArray? Binds, JsonArray? Mounts) Mounts(ContainerInspection suspect, JsonObject rawHost, List<PlanChange> changes, List<WritableMount> writable)
    {
        var removed = changes.Where(c => c.Setting.StartsWith("mount ", StringComparison.Ordinal) && c.After == "removed").Select(c => c.Setting[6..]).ToHashSet(StringComparer.Ordinal);
        var unshared = changes.Where(c => c.Setting.StartsWith("mount ", StringComparison.Ordinal) && c.Setting.EndsWith(" propagation", StringComparison.Ordinal))
            .Select(c => c.Setting[6..^12]).ToHashSet(StringComparer.Ordinal);
        var binds = new JsonArray();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        bool bindsChanged = false, mountsChanged = false;
        foreach (var bind in (rawHost["Binds"] as JsonArray ?? []).Select(b => b?.GetValue<string>() ?? ""))
        {
            var (_, target, _) = ReplacementRequest.ParseBind(bind);
            declared.Add(target);
            if (removed.Contains(target))
            {
                bindsChanged = true;
                continue;
            }

            var parts = bind.Split(':');
            if (unshared.Contains(target) && parts.Length > 2)
            {
                bindsChanged = true;
                var options = parts[2].Split(',').Where(o => o is not ("shared" or "rshared")).ToList();
                parts[2] = string.Join(',', options);
                binds.Add((JsonNode?)JsonValue.Create(parts[2].Length == 0 ? $"{parts[0]}:{parts[1]}" : string.Join(':', parts)));
            }
            else
            {
                binds.Add((JsonNode?)JsonValue.Create(bind));
            }
        }

        var mounts = new JsonArray();
        foreach (var mount in (rawHost["Mounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var target = mount["Target"]?.GetValue<string>() ?? "";
            declared.Add(target);
            if (removed.Contains(target))
            {
                mountsChanged = true;
                continue;
            }

            var copy = (JsonObject)mount.DeepClone();
            if (unshared.Contains(target) && copy["BindOptions"] is JsonObject bindOptions)
            {
                bindOptions.Remove("Propagation");
                mountsChanged = true;
            }

            mounts.Add((JsonNode)copy);
        }

        foreach (var m in suspect.Mounts.Where(m => m.Type == "volume" && !string.IsNullOrEmpty(m.Name) && !declared.Contains(m.Destination)).OrderBy(m => m.Destination, StringComparer.Ordinal))
        {
            mounts.Add((JsonNode)new JsonObject { ["Type"] = "volume", ["Source"] = m.Name, ["Target"] = m.Destination, ["ReadOnly"] = !m.ReadWrite });
            mountsChanged = true;
            changes.Add(new PlanChange($"volume {m.Destination}", $"anonymous volume {EngineIds.Abbreviate(m.Name!)}", "the same volume, named",
                "the service's data carries over: a relaunch without it would get a new, empty volume there"));
        }

        foreach (var w in writable.Where(w => w.Kind == WritableMount.Volume))
        {
            mounts.Add((JsonNode)new JsonObject { ["Type"] = "volume", ["Target"] = w.Path });
            mountsChanged = true;
        }

        return (bindsChanged ? binds : null, mountsChanged ? mounts : null);
    }

    private static JsonNode Json(IReadOnlyDictionary<string, string> map) => new JsonObject(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    private static JsonNode Json(IReadOnlyList<string> list) => new JsonArray(list.Select(v => (JsonNode?)v).ToArray());

    /// <summary>The suspect's audit findings that the replacement, as configured by the plan, no longer has.</summary>
    private static List<AuditFinding> Fixes(ContainerInspection suspect, ContainerSpec replacement)
    {
        var asRelaunched = suspect with
        {
            HostConfig = replacement.HostConfig,
            Config = suspect.Config with { User = replacement.User, Healthcheck = replacement.Healthcheck },
            Mounts = suspect.Mounts
                .Where(m => m.Type != "bind" || m.Source is null || !HostExposure.IsSensitive(m.Source))
                .Select(m => m.Propagation is "shared" or "rshared" ? m with { Propagation = "rprivate" } : m)
                .ToList(),
        };
        var remaining = Audit.ContainerAudit.Check(asRelaunched).Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        return Audit.ContainerAudit.Check(suspect).Where(f => !remaining.Contains(f.Id)).ToList();
    }

    /// <summary>The name the suspect is kept under once killed.</summary>
    public static string QuarantineName(string name, string caseId) => $"{name}.compromised-{caseId}";

    /// <summary>Checks a --tmpfs path: absolute, normalized, not the root.</summary>
    public static string ValidateTmpfsPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('/');
        if (!path.StartsWith('/') || path == "/" || path.EndsWith('/') || segments.Skip(1).Any(s => s is "" or "." or ".."))
        {
            throw new DockerIRException(FailureKind.Usage, $"--tmpfs '{path}' must be an absolute, normalized path other than / (e.g. /var/cache/app)");
        }

        return path;
    }

    /// <summary>
    /// The replacement's writable mounts: where the original image's app writes (the canary's profile) and where the
    /// suspect's runtime wrote (never a suspicious path), placed so no image content is hidden; then the --tmpfs paths.
    /// </summary>
    private static List<WritableMount> PlanWritable(RedeployInput input, WriteProfile profile, RedeployOptions options, List<string> warnings)
    {
        var suspicious = input.Changes.Where(c => c.Classification == Classification.Suspicious && !c.ParentOnly).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        var runtime = input.Changes
            .Where(c => c.Classification == Classification.Runtime && !c.ParentOnly)
            .Select(c => new ChangeEntry(c.Path, c.Kind))
            .ToList();
        // The suspect's own writes count only where they are runtime (never a suspicious path); what the canary of the
        // clean original image writes is the app's by definition, even where the attacker wrote too.
        var locations = WritePlacement.Locations(runtime, WriteSeen.Diff).Where(l => !suspicious.Contains(l.Path)).Concat(profile.Locations).ToList();
        var existing = input.Suspect.HostConfig.Tmpfs.Keys.Concat(input.Suspect.Mounts.Select(m => m.Destination)).ToList();
        var result = WritePlacement.Place(locations, profile.Dirs, existing, warnings);

        foreach (var path in options.ExtraTmpfs.Select(ValidateTmpfsPath).Distinct(StringComparer.Ordinal))
        {
            if (ChangeClassifier.WebRootNear(path) is { } webRoot)
            {
                throw new DockerIRException(FailureKind.Refused,
                    $"--tmpfs {path} would be at, in or over the web root {webRoot}: a writable web root is what the attacker used; serve it read-only");
            }

            if (suspicious.Any(s => ChangeSetPaths.IsAtOrBelow(s, path)))
            {
                warnings.Add($"--tmpfs {path} covers paths the change set marks suspicious; it is writable in the replacement by your choice");
            }

            result.RemoveAll(t => t.Path == path);
            result.Add(new WritableMount(path, WritableMount.Tmpfs, TmpfsOptions, "requested with --tmpfs", false));
        }

        return result;
    }

    private static List<string> PlanMounts(ContainerInspection suspect, List<PlanChange> changes, List<string> warnings)
    {
        var binds = new List<string>();
        foreach (var m in suspect.Mounts.OrderBy(m => m.Destination, StringComparer.Ordinal))
        {
            switch (m.Type)
            {
                case "bind" when m.Source is { Length: > 0 } source:
                    if (HostExposure.IsSensitive(source))
                    {
                        changes.Add(new PlanChange($"mount {m.Destination}", $"bind {source}", "removed", HardeningReasons.HostMount(source)));
                        continue;
                    }

                    var bindOptions = new List<string>();
                    if (!m.ReadWrite)
                    {
                        bindOptions.Add("ro");
                    }

                    if (m.Propagation is "shared" or "rshared")
                    {
                        changes.Add(new PlanChange($"mount {m.Destination} propagation", m.Propagation, "rprivate", HardeningReasons.SharedPropagation));
                    }
                    else if (m.Propagation is { Length: > 0 } propagation && propagation != "rprivate")
                    {
                        bindOptions.Add(propagation);
                    }

                    binds.Add($"{source}:{m.Destination}" + (bindOptions.Count == 0 ? "" : ":" + string.Join(',', bindOptions)));
                    if (m.ReadWrite)
                    {
                        warnings.Add($"bind mount {source} at {m.Destination} stays writable: the change set does not cover it; check it for attacker files");
                    }

                    break;
                case "volume" when m.Name is { Length: > 0 } name:
                    binds.Add($"{name}:{m.Destination}{(m.ReadWrite ? "" : ":ro")}");
                    warnings.Add($"volume {name} at {m.Destination} is reused as it is: the change set does not cover volumes; check it for attacker files");
                    break;
            }
        }

        return binds;
    }

    private static List<PortBinding> PlanPorts(ContainerInspection suspect, List<PlanChange> changes, List<string> warnings)
    {
        var h = suspect.HostConfig;
        var wanted = h.PublishAllPorts
            ? suspect.PublishedPorts.Select(p => p with { HostPort = "" }).ToList()
            : h.PortBindings.ToList();
        var result = new List<PortBinding>();
        foreach (var b in wanted)
        {
            var binding = b;
            if (b.HostPort is "" or "0")
            {
                var held = suspect.PublishedPorts.FirstOrDefault(p => p.ContainerPort == b.ContainerPort && (b.HostIp.Length == 0 || p.HostIp == b.HostIp) && p.HostPort.Length > 0);
                if (held is null)
                {
                    warnings.Add($"port {b.ContainerPort}: the engine chose its host port and the suspect no longer holds one; the replacement gets a new one");
                }
                else
                {
                    binding = b with { HostPort = held.HostPort, HostIp = b.HostIp.Length == 0 ? held.HostIp : b.HostIp };
                    changes.Add(new PlanChange($"port {b.ContainerPort}", $"{Display(b.HostIp)}:(engine-chosen)", $"{Display(binding.HostIp)}:{binding.HostPort}",
                        "the replacement keeps the address clients use"));
                }
            }

            if (binding.HostIp is "" or "0.0.0.0" or "::")
            {
                warnings.Add($"port {binding.ContainerPort} stays published on all interfaces (CIS 5.14); bind it to one address if it need not be public");
            }

            result.Add(binding);
        }

        if (h.PublishAllPorts)
        {
            changes.Add(new PlanChange("PublishAllPorts", "true", "false", "only the ports the suspect published, at the same host ports"));
        }

        return result.DistinctBy(p => (p.ContainerPort, p.HostIp, p.HostPort)).ToList();
    }

    private static (NetworkAttachment? Primary, List<NetworkAttachment> Extra) PlanNetworks(ContainerInspection suspect, List<string> warnings)
    {
        var mode = suspect.HostConfig.NetworkMode ?? "";
        if (mode == "host")
        {
            warnings.Add("the suspect uses the host's network (CIS 5.10); the replacement keeps it so its addresses stay the same; move it to a bridge network when you can");
        }

        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            warnings.Add($"the suspect shares the network of {mode[10..]}; the replacement does too");
        }

        if (mode is "bridge" or "default" or "" && suspect.Networks.Any(n => n.Network == "bridge"))
        {
            warnings.Add("the default bridge lets every container on it reach this one; a user-defined network isolates it");
        }

        var shortId = suspect.Id.Length >= 12 ? suspect.Id[..12] : suspect.Id;
        var userDefined = suspect.Networks
            .Where(n => n.Network is not ("bridge" or "host" or "none"))
            .Select(n => n with { Aliases = n.Aliases.Where(a => a != shortId && a != suspect.Config.Hostname).Distinct(StringComparer.Ordinal).ToList(), IpAddress = null })
            .OrderBy(n => n.Network == mode ? 0 : 1)
            .ThenBy(n => n.Network, StringComparer.Ordinal)
            .ToList();
        if (userDefined.Count == 0)
        {
            return (null, []);
        }

        return (userDefined[0], userDefined.Skip(1).ToList());
    }

    private static (List<string> Add, List<string> Drop) PlanCapabilities(RedeployInput input, HardeningProfile profile, List<PortBinding> ports, List<PlanChange> changes)
    {
        var h = input.Suspect.HostConfig;
        var before = $"add [{string.Join(",", h.CapAdd)}], drop [{string.Join(",", h.CapDrop)}]";
        var suspectAdd = h.CapAdd.Select(HostExposure.NormalizeCapability).ToList();
        var suspectDrop = h.CapDrop.Select(HostExposure.NormalizeCapability).ToList();
        List<string> add, drop;
        string reason;
        if (profile == HardeningProfile.Strict)
        {
            drop = ["ALL"];
            add = [];
            var needs = new List<string>();
            var ports1024 = input.Suspect.Config.ExposedPorts.Concat(ports.Select(p => p.ContainerPort))
                .Select(p => int.TryParse(p.Split('/')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
                .Any(n => n is > 0 and < 1024);
            if (ports1024)
            {
                add.Add("NET_BIND_SERVICE");
                needs.Add("NET_BIND_SERVICE for a port below 1024");
            }

            if (input.ProcessUsers.Distinct(StringComparer.Ordinal).Count() > 1)
            {
                add.AddRange(["SETGID", "SETUID"]);
                needs.Add("SETUID/SETGID: its processes run as several users, so the server drops privileges");
            }

            reason = "strict profile: every capability dropped" + (needs.Count == 0 ? "; the process list shows no need for any" : "; kept only " + string.Join("; ", needs));
        }
        else
        {
            add = suspectAdd.Where(c => HostExposure.DefaultCapabilities.Contains(c) && !BaselineDrop.Contains(c)).ToList();
            drop = suspectDrop.Contains("ALL") ? ["ALL"] : suspectDrop.Union(BaselineDrop).Order(StringComparer.Ordinal).ToList();
            var removed = suspectAdd.Except(add).ToList();
            reason = "CIS 5.4: NET_RAW (sniffing, spoofing), SYS_ADMIN/SYS_MODULE/SYS_PTRACE/DAC_READ_SEARCH (escapes) and device creation are dropped"
                + (removed.Count == 0 ? "" : $"; added capabilities removed: {string.Join(", ", removed)}");
        }

        var after = $"add [{string.Join(",", add)}], drop [{string.Join(",", drop)}]";
        if (after != before)
        {
            changes.Add(new PlanChange("Capabilities", before, after, reason));
        }

        return (add, drop);
    }

    private static List<string> PlanSecurityOptions(IReadOnlyList<string> suspectOptions, List<PlanChange> changes)
    {
        var result = new List<string>();
        foreach (var opt in suspectOptions)
        {
            if (UnconfinedOptions.Contains(opt, StringComparer.OrdinalIgnoreCase))
            {
                changes.Add(new PlanChange("SecurityOpt", opt, "removed (the engine's default profile)",
                    opt.StartsWith("seccomp", StringComparison.OrdinalIgnoreCase) ? "CIS 5.22: seccomp filters the system calls escapes use"
                    : opt.StartsWith("apparmor", StringComparison.OrdinalIgnoreCase) ? "CIS 5.2: AppArmor confines the container"
                    : opt.StartsWith("label", StringComparison.OrdinalIgnoreCase) ? "CIS 5.3: SELinux labels confine the container"
                    : "the kernel's sensitive paths stay masked"));
            }
            else if (!opt.StartsWith("no-new-privileges", StringComparison.OrdinalIgnoreCase))
            {
                result.Add(opt);
            }
        }

        result.Add("no-new-privileges:true");
        if (!HostExposure.HasNoNewPrivileges(suspectOptions))
        {
            changes.Add(new PlanChange("SecurityOpt no-new-privileges", "off", "on", HardeningReasons.NoNewPrivileges));
        }

        return result;
    }

    private static string? PlanUser(RedeployInput input, HardeningProfile profile, List<PlanChange> changes, List<string> warnings)
    {
        var user = NullIfEmpty(input.Suspect.Config.User);
        if (!HostExposure.IsRootUser(user))
        {
            return user;
        }

        var imageUser = input.Image?.Config.User;
        if (profile == HardeningProfile.Strict && !HostExposure.IsRootUser(imageUser))
        {
            changes.Add(new PlanChange("User", user ?? "root", imageUser!, "CIS 4.1: the image's non-root user"));
            return imageUser;
        }

        warnings.Add(profile == HardeningProfile.Strict
            ? "the image defines no non-root user, so the replacement runs as root (CIS 4.1); build the image with a USER"
            : "the replacement runs as root, as the suspect did (CIS 4.1); --profile strict uses the image's non-root user when it has one");
        return user;
    }

    private static string? HostNamespace(string? mode, string setting, string reason, string replacement, List<PlanChange> changes)
    {
        if (mode != "host")
        {
            return NullIfEmpty(mode);
        }

        changes.Add(new PlanChange(setting, "host", replacement.Length == 0 ? "the container's own" : replacement, reason));
        return NullIfEmpty(replacement);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string Display(string hostIp) => hostIp.Length == 0 ? "0.0.0.0" : hostIp;

    private static string Bytes(long bytes) => bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";
}
