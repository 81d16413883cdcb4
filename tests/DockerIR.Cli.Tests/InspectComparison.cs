using System.Text.Json;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// `docker inspect` of a suspect before and of its replacement after, compared field by field (Config, HostConfig,
/// and each network's aliases, links and fixed addresses): what differs must be a field the plan lists a change for.
/// What is the container's own by nature (its id, name, state, and the hostname and alias the engine derives from its
/// id) is not compared.
/// </summary>
internal static class InspectComparison
{
    public static async Task<JsonElement> InspectAsync(string container)
    {
        var result = await ProcessRunner.DockerAsync("inspect", container);
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement[0].Clone();
    }

    /// <summary>The fields that differ between the two inspects.</summary>
    public static List<string> Differences(JsonElement before, JsonElement after)
    {
        var differences = new List<string>();
        foreach (var section in new[] { "Config", "HostConfig" })
        {
            var b = before.GetProperty(section);
            var a = after.GetProperty(section);
            foreach (var key in b.EnumerateObject().Select(p => p.Name).Union(a.EnumerateObject().Select(p => p.Name)))
            {
                var bt = b.TryGetProperty(key, out var bv) ? Normalize(bv) : "null";
                var at = a.TryGetProperty(key, out var av) ? Normalize(av) : "null";
                if (section == "Config" && key == "Hostname" && IsOwnId(before, bt) && IsOwnId(after, at))
                {
                    continue;
                }

                if (bt != at)
                {
                    differences.Add($"{section}.{key}");
                }
            }
        }

        var networksBefore = Networks(before);
        var networksAfter = Networks(after);
        foreach (var name in networksBefore.Keys.Union(networksAfter.Keys))
        {
            if (networksBefore.GetValueOrDefault(name) != networksAfter.GetValueOrDefault(name))
            {
                differences.Add($"NetworkSettings.Networks.{name}");
            }
        }

        return differences;
    }

    /// <summary>The inspect fields a plan's changes (redeploy-plan.json's "changes") allow to differ.</summary>
    public static HashSet<string> Allowed(JsonElement plan)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in plan.GetProperty("changes").EnumerateArray())
        {
            var setting = change.GetProperty("setting").GetString()!;
            var first = setting.Split(' ')[0];
            allowed.UnionWith(first switch
            {
                "tmpfs" => ["HostConfig.Tmpfs"],
                "volume" => ["HostConfig.Mounts"],
                "mount" => ["HostConfig.Binds", "HostConfig.Mounts"],
                "port" or "PublishAllPorts" => ["HostConfig.PortBindings", "HostConfig.PublishAllPorts"],
                "Capabilities" => ["HostConfig.CapAdd", "HostConfig.CapDrop"],
                "Memory" => ["HostConfig.Memory", "HostConfig.MemorySwap"],
                "Ulimit" => ["HostConfig.Ulimits"],
                "Privileged" => ["HostConfig.Privileged", "HostConfig.MaskedPaths", "HostConfig.ReadonlyPaths"],
                "Labels" or "Image" or "User" => [$"Config.{first}"],
                _ => [$"HostConfig.{first}"],
            });
        }

        return allowed;
    }

    /// <summary>Asserts that every difference is one the plan lists.</summary>
    public static void OnlyPlanned(JsonElement before, JsonElement after, JsonElement plan)
    {
        var allowed = Allowed(plan);
        var unplanned = Differences(before, after).Where(d => !allowed.Contains(d)).ToList();
        Assert.True(unplanned.Count == 0, $"fields that differ but the plan does not list: {string.Join(", ", unplanned)}");
    }

    private static bool IsOwnId(JsonElement container, string quotedHostname) =>
        container.GetProperty("Id").GetString()!.StartsWith(quotedHostname.Trim('"'), StringComparison.Ordinal);

    private static Dictionary<string, string> Networks(JsonElement container)
    {
        var id = container.GetProperty("Id").GetString()!;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var network in container.GetProperty("NetworkSettings").GetProperty("Networks").EnumerateObject())
        {
            var v = network.Value;
            var aliases = v.TryGetProperty("Aliases", out var a) && a.ValueKind == JsonValueKind.Array
                ? a.EnumerateArray().Select(x => x.GetString()!).Where(x => !id.StartsWith(x, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList() : [];
            var links = v.TryGetProperty("Links", out var l) && l.ValueKind == JsonValueKind.Array ? l.EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal).ToList() : [];
            var ipam = v.TryGetProperty("IPAMConfig", out var i) ? Normalize(i) : "null";
            result[network.Name] = $"aliases [{string.Join(",", aliases)}] links [{string.Join(",", links)}] ipam {ipam}";
        }

        return result;
    }

    /// <summary>JSON text with null, [] and {} alike (the engine writes an unset list either way) and object keys sorted.</summary>
    private static string Normalize(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array when e.GetArrayLength() == 0 => "null",
        JsonValueKind.Object when !e.EnumerateObject().Any() => "null",
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"\"{p.Name}\":{Normalize(p.Value)}")) + "}",
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Normalize)) + "]",
        _ => e.GetRawText(),
    };
}
