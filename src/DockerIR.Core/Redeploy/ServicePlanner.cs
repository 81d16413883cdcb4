using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Redeploy;

/// <summary>
/// The read-only, hardened relaunch of a Swarm service: the service's own spec with ReadOnly, tmpfs mounts,
/// capabilities, ulimits, resource limits and no-new-privileges merged in, everything else kept as it was.
/// </summary>
public sealed record ServicePlan(
    string CaseId,
    string ServiceId,
    string ServiceName,
    ulong Version,
    HardeningProfile Profile,
    string ApiVersion,
    IReadOnlyList<TmpfsMount> Tmpfs,
    IReadOnlyList<PlanChange> Changes,
    IReadOnlyList<string> Warnings,
    JsonElement SpecBefore,
    JsonElement SpecAfter);

/// <summary>
/// Merges a container relaunch plan (computed from one of the service's task containers and its change set) into
/// the service's spec. Pure: it reads JSON and a plan and returns the new spec, so every rule is unit-tested.
/// Fields this API version does not know are not sent (the engine would drop them silently); a warning says so.
/// </summary>
public static class ServicePlanner
{
    /// <summary>Swarm tmpfs mounts take a size and a mode; 1777 like /tmp.</summary>
    public const long TmpfsSizeBytes = 64L << 20;
    public const int TmpfsMode = 0x3FF; // 01777

    /// <summary>API 1.41 (Docker 20.10) added CapabilityAdd/Drop, Ulimits and Pids limits to services.</summary>
    public static readonly Version CapabilitiesApi = new(1, 41);

    /// <summary>API 1.46 (Docker 27) added Privileges.NoNewPrivileges to a service's container spec.</summary>
    public static readonly Version NoNewPrivilegesApi = new(1, 46);

    public static ServicePlan Plan(ServiceInspection service, RedeployPlan taskPlan, string apiVersion)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(taskPlan);
        var api = Version.TryParse(apiVersion, out var v) ? v : new Version(1, 24);
        var spec = JsonNode.Parse(service.SpecJson) as JsonObject
            ?? throw new DockerIRException(FailureKind.EngineError, $"service {service.Name}: its spec is not a JSON object");
        var before = ToElement(spec);
        var task = Obj(spec, "TaskTemplate");
        if (task["ContainerSpec"] is not JsonObject container)
        {
            throw new DockerIRException(FailureKind.Refused, $"service {service.Name} runs no containers (a plugin or network attachment); nothing to relaunch read-only");
        }

        var changes = new List<PlanChange>();
        var warnings = new List<string>();

        if (container["ReadOnly"]?.GetValue<bool>() != true)
        {
            container["ReadOnly"] = true;
            changes.Add(new PlanChange("ReadOnly", "false", "true", HardeningReasons.ReadOnly));
        }

        PlanMounts(container, taskPlan.Writable, changes, warnings);

        if (api >= CapabilitiesApi)
        {
            var h = taskPlan.Replacement.HostConfig;
            SetList(container, "CapabilityAdd", h.CapAdd, changes, "strict or baseline profile: no capability beyond what the service needs");
            SetList(container, "CapabilityDrop", h.CapDrop, changes,
                taskPlan.Changes.FirstOrDefault(c => c.Setting == "Capabilities")?.Reason ?? "CIS 5.4: dangerous capabilities dropped");
            PlanUlimits(container, h.Ulimits, changes);
        }
        else
        {
            warnings.Add($"the engine's API {apiVersion} cannot set capabilities, ulimits or a pids limit on a service (API {CapabilitiesApi}); they are left as they are");
        }

        if (api >= NoNewPrivilegesApi)
        {
            var privileges = Obj(container, "Privileges");
            if (privileges["NoNewPrivileges"]?.GetValue<bool>() != true)
            {
                privileges["NoNewPrivileges"] = true;
                changes.Add(new PlanChange("Privileges.NoNewPrivileges", "false", "true", HardeningReasons.NoNewPrivileges));
            }
        }
        else
        {
            warnings.Add($"the engine's API {apiVersion} cannot set no-new-privileges on a service (it needs API {NoNewPrivilegesApi}, Docker 27); setuid binaries in the tasks can still raise privileges");
        }

        if (taskPlan.Changes.FirstOrDefault(c => c.Setting == "User") is { } user)
        {
            changes.Add(new PlanChange("User", Text(container, "User", "root"), user.After, user.Reason));
            container["User"] = user.After;
        }

        PlanLimits(Obj(task, "Resources"), api, changes);

        var labels = Obj(container, "Labels");
        labels[RedeployPlanner.LabelReplacementCase] = taskPlan.CaseId;

        var force = task["ForceUpdate"]?.GetValue<ulong>() ?? 0;
        task["ForceUpdate"] = force + 1;
        changes.Add(new PlanChange("ForceUpdate", force.ToString(CultureInfo.InvariantCulture), (force + 1).ToString(CultureInfo.InvariantCulture),
            "every compromised task is replaced, even one whose spec would not otherwise change"));

        warnings.AddRange(taskPlan.Warnings.Where(w => w.StartsWith("volume ", StringComparison.Ordinal) || w.StartsWith("bind mount ", StringComparison.Ordinal)));
        var after = ToElement(spec);
        return new ServicePlan(taskPlan.CaseId, service.Id, service.Name, service.Version, taskPlan.Profile, apiVersion, taskPlan.Tmpfs, changes, warnings, before, after);
    }

    private static void PlanMounts(JsonObject container, IReadOnlyList<WritableMount> writable, List<PlanChange> changes, List<string> warnings)
    {
        var mounts = container["Mounts"] as JsonArray ?? [];
        foreach (var mount in mounts.OfType<JsonObject>().ToList())
        {
            var type = Text(mount, "Type", "volume");
            var source = Text(mount, "Source", "");
            var target = Text(mount, "Target", "");
            if (type == "bind" && HostExposure.IsSensitive(source))
            {
                mounts.Remove(mount);
                changes.Add(new PlanChange($"mount {target}", $"bind {source}", "removed", HardeningReasons.HostMount(source)));
            }
            else if (mount["BindOptions"] is JsonObject bind && Text(bind, "Propagation", "") is "shared" or "rshared")
            {
                changes.Add(new PlanChange($"mount {target} propagation", Text(bind, "Propagation", ""), "rprivate", HardeningReasons.SharedPropagation));
                bind.Remove("Propagation");
            }
        }

        var targets = mounts.OfType<JsonObject>().Select(m => Text(m, "Target", "")).ToHashSet(StringComparer.Ordinal);
        foreach (var t in writable.Where(t => !targets.Contains(t.Path)))
        {
            if (t.Kind == WritableMount.Volume)
            {
                mounts.Add((JsonNode)new JsonObject { ["Type"] = "volume", ["Target"] = t.Path });
                changes.Add(new PlanChange($"volume {t.Path}", "on the root filesystem", "anonymous volume", t.Reason));
                continue;
            }

            mounts.Add((JsonNode)new JsonObject
            {
                ["Type"] = "tmpfs",
                ["Target"] = t.Path,
                ["TmpfsOptions"] = new JsonObject { ["SizeBytes"] = TmpfsSizeBytes, ["Mode"] = TmpfsMode },
            });
            changes.Add(new PlanChange($"tmpfs {t.Path}", "on the root filesystem", $"tmpfs ({TmpfsSizeBytes >> 20} MiB, mode 1777)", t.Reason));
        }

        if (writable.Any(w => w.Kind == WritableMount.Tmpfs))
        {
            warnings.Add("a service's tmpfs mounts take no noexec/nosuid/nodev options through this API; files written there can be executed");
        }

        container["Mounts"] = mounts;
    }

    private static void PlanUlimits(JsonObject container, IReadOnlyList<UlimitSpec> wanted, List<PlanChange> changes)
    {
        var ulimits = container["Ulimits"] as JsonArray ?? [];
        var present = ulimits.OfType<JsonObject>().Select(u => Text(u, "Name", "")).ToHashSet(StringComparer.Ordinal);
        foreach (var u in wanted.Where(u => !present.Contains(u.Name)))
        {
            ulimits.Add((JsonNode)new JsonObject { ["Name"] = u.Name, ["Soft"] = u.Soft, ["Hard"] = u.Hard });
            changes.Add(new PlanChange($"Ulimit {u.Name}", "the engine's default", $"{u.Soft}:{u.Hard}", HardeningReasons.Ulimits));
        }

        if (ulimits.Count > 0)
        {
            container["Ulimits"] = ulimits;
        }
    }

    private static void PlanLimits(JsonObject resources, Version api, List<PlanChange> changes)
    {
        var limits = Obj(resources, "Limits");
        if ((limits["MemoryBytes"]?.GetValue<long>() ?? 0) <= 0)
        {
            limits["MemoryBytes"] = RedeployPlanner.DefaultMemory;
            changes.Add(new PlanChange("Limits.MemoryBytes", "unlimited", $"{RedeployPlanner.DefaultMemory >> 20} MiB", HardeningReasons.Memory));
        }

        if ((limits["NanoCPUs"]?.GetValue<long>() ?? 0) <= 0)
        {
            limits["NanoCPUs"] = RedeployPlanner.DefaultNanoCpus;
            changes.Add(new PlanChange("Limits.NanoCPUs", "unlimited", "1 CPU", HardeningReasons.Cpu));
        }

        if (api >= CapabilitiesApi && (limits["Pids"]?.GetValue<long>() ?? 0) <= 0)
        {
            limits["Pids"] = RedeployPlanner.DefaultPids;
            changes.Add(new PlanChange("Limits.Pids", "unlimited", RedeployPlanner.DefaultPids.ToString(CultureInfo.InvariantCulture), HardeningReasons.Pids));
        }
    }

    private static void SetList(JsonObject container, string key, IReadOnlyList<string> wanted, List<PlanChange> changes, string reason)
    {
        var current = (container[key] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "").ToList() ?? [];
        if (current.SequenceEqual(wanted, StringComparer.Ordinal))
        {
            return;
        }

        if (wanted.Count == 0)
        {
            container.Remove(key);
        }
        else
        {
            container[key] = new JsonArray([.. wanted.Select(w => (JsonNode?)JsonValue.Create(w))]);
        }

        changes.Add(new PlanChange(key, $"[{string.Join(",", current)}]", $"[{string.Join(",", wanted)}]", reason));
    }

    private static JsonElement ToElement(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    private static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    private static string Text(JsonObject o, string key, string fallback) =>
        o[key] is JsonValue value && value.TryGetValue<string>(out var s) && s.Length > 0 ? s : fallback;
}
