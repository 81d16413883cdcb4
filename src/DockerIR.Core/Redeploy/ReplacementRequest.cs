using System.Text.Json;
using System.Text.Json.Nodes;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Redeploy;

/// <summary>
/// The engine's create request of a replacement and of its canaries, built from the suspect's inspect as the engine
/// reported it (every Config and HostConfig field, every network endpoint), so each setting carries over; only the
/// keys the plan changes are set. Pure JSON work, tested without an engine.
/// </summary>
public static class ReplacementRequest
{
    /// <summary>Marks a canary: a short-lived copy of the replacement that is never the service.</summary>
    public const string LabelCanary = "dockerir.canary";

    /// <summary>The suspect's inspect as JSON (empty when the record was not read from an engine).</summary>
    public static JsonObject Inspect(ContainerInspection suspect)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        return suspect.RawJson.IsEmpty ? [] : JsonNode.Parse(suspect.RawJson.Span) as JsonObject ?? [];
    }

    /// <summary>
    /// The create body: the suspect's Config with <paramref name="config"/> set, its HostConfig with <paramref name="host"/> set
    /// (a null value removes the key, so the engine applies its default), its links in the form a create takes, and the
    /// endpoint of its primary network; the other networks come back as endpoints to connect before the start.
    /// </summary>
    /// <param name="inspect">The suspect's inspect as <see cref="Inspect"/> parsed it (read, never changed).</param>
    public static (JsonObject Body, List<NetworkEndpoint> ConnectBeforeStart) Build(ContainerInspection suspect, JsonObject inspect,
        IReadOnlyDictionary<string, JsonNode?> config, IReadOnlyDictionary<string, JsonNode?> host)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(inspect);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(host);
        var body = inspect["Config"]?.DeepClone() as JsonObject ?? [];
        Apply(body, config);
        var hostConfig = inspect["HostConfig"]?.DeepClone() as JsonObject ?? [];
        Apply(hostConfig, host);
        if (hostConfig["Links"] is JsonArray links)
        {
            hostConfig["Links"] = new JsonArray(links.Select(l => (JsonNode?)CreateLink(l?.GetValue<string>() ?? "")).ToArray());
        }

        body["HostConfig"] = hostConfig;
        var endpoints = Endpoints(suspect, inspect);
        var mode = hostConfig["NetworkMode"]?.GetValue<string>() ?? suspect.HostConfig.NetworkMode ?? "";
        var primary = endpoints.FirstOrDefault(e => e.Network == mode
            || (mode.Length >= 12 && suspect.Networks.Any(n => n.Network == e.Network && n.NetworkId?.StartsWith(mode, StringComparison.Ordinal) == true)));
        if (primary is not null)
        {
            body["NetworkingConfig"] = new JsonObject { ["EndpointsConfig"] = new JsonObject { [primary.Network] = JsonNode.Parse(primary.Config.GetRawText()) } };
        }

        return (body, endpoints.Where(e => e != primary).ToList());
    }

    /// <summary>
    /// A canary of <paramref name="body"/>: never the service. No published ports, no network aliases, fixed addresses or
    /// MAC (it must not answer for the service or take its address), no restart, no shared volumes: every writable bind or
    /// volume becomes a fresh anonymous volume, so the canary never writes the suspect's data; read-only ones stay.
    /// </summary>
    public static (JsonObject Body, List<NetworkEndpoint> Connect) Canary(JsonObject body, IReadOnlyList<NetworkEndpoint> connect, string caseId, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(connect);
        var canary = (JsonObject)body.DeepClone();
        canary.Remove("MacAddress");
        var labels = canary["Labels"] as JsonObject ?? [];
        labels.Remove(RedeployPlanner.LabelReplacementCase);
        labels.Remove(RedeployPlanner.LabelReplaces);
        labels[LabelCanary] = caseId;
        canary["Labels"] = labels;

        var host = canary["HostConfig"] as JsonObject ?? [];
        host["PortBindings"] = new JsonObject();
        host["PublishAllPorts"] = false;
        host["RestartPolicy"] = new JsonObject { ["Name"] = "no" };
        host["AutoRemove"] = false;
        host["ReadonlyRootfs"] = readOnly;
        host.Remove("VolumesFrom");
        if (host["NetworkMode"]?.GetValue<string>() == "host")
        {
            // On the host's network the canary would fight the paused suspect for its ports: it gets a bridge of its own.
            host["NetworkMode"] = "bridge";
        }
        var binds = new JsonArray();
        var mounts = new JsonArray();
        foreach (var bind in (host["Binds"] as JsonArray ?? []).Select(b => b?.GetValue<string>() ?? ""))
        {
            var (_, target, readOnlyBind) = ParseBind(bind);
            if (readOnlyBind)
            {
                binds.Add((JsonNode?)JsonValue.Create(bind));
            }
            else
            {
                mounts.Add((JsonNode)FreshVolume(target));
            }
        }

        foreach (var mount in (host["Mounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = mount["Type"]?.GetValue<string>();
            var keep = type == "tmpfs" || mount["ReadOnly"]?.GetValue<bool>() == true
                || (type == "volume" && string.IsNullOrEmpty(mount["Source"]?.GetValue<string>()));
            mounts.Add(keep ? mount.DeepClone() : FreshVolume(mount["Target"]?.GetValue<string>() ?? ""));
        }

        host["Binds"] = binds;
        host["Mounts"] = mounts;
        canary["HostConfig"] = host;

        if (canary["NetworkingConfig"]?["EndpointsConfig"] is JsonObject endpoints)
        {
            foreach (var (_, endpoint) in endpoints)
            {
                Strip(endpoint as JsonObject);
            }
        }

        var later = connect.Select(c =>
        {
            var endpoint = JsonNode.Parse(c.Config.GetRawText()) as JsonObject ?? [];
            Strip(endpoint);
            return new NetworkEndpoint(c.Network, [], ToElement(endpoint));
        }).ToList();
        return (canary, later);

        static JsonObject FreshVolume(string target) => new() { ["Type"] = "volume", ["Target"] = target };

        static void Strip(JsonObject? endpoint)
        {
            endpoint?.Remove("Aliases");
            endpoint?.Remove("IPAMConfig");
            endpoint?.Remove("MacAddress");
        }
    }

    /// <summary>The body without the plan's writable mounts: what the app writes then lands in the container's own layer, where it can be seen.</summary>
    public static JsonObject WithoutWritable(JsonObject body, IReadOnlyList<WritableMount> writable)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(writable);
        var paths = writable.Select(w => w.Path).ToHashSet(StringComparer.Ordinal);
        if (body["HostConfig"] is JsonObject host)
        {
            if (host["Tmpfs"] is JsonObject tmpfs)
            {
                foreach (var path in tmpfs.Select(kv => kv.Key).Where(paths.Contains).ToList())
                {
                    tmpfs.Remove(path);
                }
            }

            if (host["Mounts"] is JsonArray mounts)
            {
                foreach (var mount in mounts.OfType<JsonObject>().Where(m => m["Source"] is null && paths.Contains(m["Target"]?.GetValue<string>() ?? "")).ToList())
                {
                    mounts.Remove(mount);
                }
            }
        }

        return body;
    }

    /// <summary>A bind as `docker run -v` writes it: source, target, and whether its options say ro.</summary>
    public static (string Source, string Target, bool ReadOnly) ParseBind(string bind)
    {
        ArgumentNullException.ThrowIfNull(bind);
        var parts = bind.Split(':');
        return parts.Length switch
        {
            1 => ("", parts[0], false),
            2 => (parts[0], parts[1], false),
            _ => (parts[0], parts[1], parts[2].Split(',').Contains("ro", StringComparer.Ordinal)),
        };
    }

    /// <summary>A link as inspect reports it ("/db:/web/db") in the form a create takes ("db:db").</summary>
    public static string CreateLink(string link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var colon = link.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return link.TrimStart('/');
        }

        var name = link[..colon].TrimStart('/');
        var alias = link[(colon + 1)..];
        return $"{name}:{alias[(alias.LastIndexOf('/') + 1)..]}";
    }

    public static JsonElement ToElement(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return doc.RootElement.Clone();
    }

    /// <summary>The suspect's endpoints on user-defined networks: aliases less the engine's own (its short id), links, static addresses, driver options.</summary>
    private static List<NetworkEndpoint> Endpoints(ContainerInspection suspect, JsonObject inspect)
    {
        var raw = inspect["NetworkSettings"]?["Networks"] as JsonObject;
        var shortId = suspect.Id.Length >= 12 ? suspect.Id[..12] : suspect.Id;
        var result = new List<NetworkEndpoint>();
        foreach (var network in suspect.Networks.Where(n => n.Network is not ("bridge" or "host" or "none")).OrderBy(n => n.Network, StringComparer.Ordinal))
        {
            var settings = raw?[network.Network] as JsonObject ?? [];
            var aliases = network.Aliases.Where(a => a.Length > 0 && a != shortId && a != suspect.Id).Distinct(StringComparer.Ordinal).ToList();
            var endpoint = new JsonObject();
            if (aliases.Count > 0)
            {
                endpoint["Aliases"] = new JsonArray(aliases.Select(a => (JsonNode?)a).ToArray());
            }

            if (settings["IPAMConfig"] is JsonObject ipam && ipam.Any(kv => kv.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0 || kv.Value is JsonArray { Count: > 0 }))
            {
                endpoint["IPAMConfig"] = ipam.DeepClone();
            }

            if (settings["Links"] is JsonArray { Count: > 0 } links)
            {
                endpoint["Links"] = new JsonArray(links.Select(l => (JsonNode?)CreateLink(l?.GetValue<string>() ?? "")).ToArray());
            }

            if (settings["DriverOpts"] is JsonObject { Count: > 0 } driverOpts)
            {
                endpoint["DriverOpts"] = driverOpts.DeepClone();
            }

            result.Add(new NetworkEndpoint(network.Network, aliases, ToElement(endpoint)));
        }

        return result;
    }

    private static void Apply(JsonObject target, IReadOnlyDictionary<string, JsonNode?> values)
    {
        foreach (var (key, value) in values)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
