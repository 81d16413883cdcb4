using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DockerIR.Core.Case;
using Serilog;

namespace DockerIR.Core.Redeploy;

/// <summary>One write profile kept in the cache, with where it came from.</summary>
public sealed record CachedWriteProfile(int FormatVersion, string Key, string ImageId, string CaseId, DateTimeOffset LearnedUtc, WriteProfile Profile)
{
    public const int CurrentFormatVersion = 1;
}

/// <summary>
/// Write profiles learned by canaries, kept per original image and the settings that decide where its app writes
/// (command, entrypoint, environment, user, working directory, capabilities, init, security options, and where its
/// mounts are): the same image with the same settings writes in the same places at every incident, so the next
/// redeploy of it needs no profiling canary, which is most of the time a relaunch waits for on a small change set.
/// The preflight of the read-only replacement still runs every time, and a plan made from a cached profile that
/// fails it is made again from a fresh canary (<see cref="RedeployWorkflow"/>). The cache is the responder's own
/// (mode 0700); an entry is used only when its key and image id match, and a damaged one is ignored.
/// <c>DOCKERIR_CACHE_DIR</c> sets where it is (default <c>$XDG_CACHE_HOME/dockerir</c>, else <c>~/.cache/dockerir</c>);
/// <c>off</c> turns it off.
/// </summary>
public sealed class WriteProfileCache(string? root, ILogger log)
{
    public const string EnvironmentVariable = "DOCKERIR_CACHE_DIR";
    private const long MaxEntryBytes = 4 << 20;

    /// <summary>The cache this environment names; <see cref="Root"/> is null when it is turned off or no home is known.</summary>
    public static WriteProfileCache FromEnvironment(ILogger log)
    {
        var set = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.Equals(set, "off", StringComparison.OrdinalIgnoreCase))
        {
            return new WriteProfileCache(null, log);
        }

        if (!string.IsNullOrEmpty(set))
        {
            return new WriteProfileCache(Path.GetFullPath(set), log);
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var baseDir = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg : string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache");
        return new WriteProfileCache(baseDir is null ? null : Path.Combine(baseDir, "dockerir"), log);
    }

    public string? Root { get; } = root;

    /// <summary>
    /// The key of a profiling canary's configuration: the image and the settings that decide where the app writes;
    /// names, labels, networks, ports, host paths of mounts and anything else a container of the same service differs in are left out.
    /// </summary>
    public static string Key(string imageId, JsonObject canaryBody)
    {
        ArgumentNullException.ThrowIfNull(canaryBody);
        var host = canaryBody["HostConfig"] as JsonObject ?? [];
        var key = new JsonObject
        {
            ["Image"] = imageId,
            ["Cmd"] = canaryBody["Cmd"]?.DeepClone(),
            ["Entrypoint"] = canaryBody["Entrypoint"]?.DeepClone(),
            ["Env"] = canaryBody["Env"]?.DeepClone(),
            ["User"] = canaryBody["User"]?.DeepClone(),
            ["WorkingDir"] = canaryBody["WorkingDir"]?.DeepClone(),
            ["Tty"] = canaryBody["Tty"]?.DeepClone(),
            ["CapAdd"] = host["CapAdd"]?.DeepClone(),
            ["CapDrop"] = host["CapDrop"]?.DeepClone(),
            ["Init"] = host["Init"]?.DeepClone(),
            ["SecurityOpt"] = host["SecurityOpt"]?.DeepClone(),
            ["Tmpfs"] = Sorted((host["Tmpfs"] as JsonObject ?? []).Select(p => p.Key)),
            ["Binds"] = Sorted((host["Binds"] as JsonArray ?? []).Select(b => BindTarget(b?.ToString() ?? ""))),
            ["Mounts"] = Sorted((host["Mounts"] as JsonArray ?? []).Select(m => $"{m?["Type"]}:{m?["Target"]}:{m?["ReadOnly"]}")),
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonString())));
    }

    /// <summary>The profile kept for <paramref name="key"/>, if any, with where it came from.</summary>
    public CachedWriteProfile? Read(string key, string imageId)
    {
        if (Root is null)
        {
            return null;
        }

        var path = EntryPath(key);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null || info.Length > MaxEntryBytes)
            {
                return null;
            }

            var entry = JsonSerializer.Deserialize(File.ReadAllBytes(path), RedeployJson.Indented.CachedWriteProfile);
            if (entry is { FormatVersion: CachedWriteProfile.CurrentFormatVersion } && entry.Key == key && entry.ImageId == imageId && entry.Profile is { Locations: not null, Dirs: not null })
            {
                return entry;
            }

            log.WriteProfileCacheEntryIgnored(path, "not for this image and configuration");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            log.WriteProfileCacheEntryIgnored(path, e.Message);
        }

        return null;
    }

    /// <summary>Keeps a profile a canary learned (written to a temporary file, then renamed); a cache that cannot be written only logs why.</summary>
    public void Write(string key, string imageId, string caseId, DateTimeOffset learned, WriteProfile profile)
    {
        if (Root is null)
        {
            return;
        }

        var path = EntryPath(key);
        try
        {
            var dir = Path.GetDirectoryName(path)!;
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(dir);
            }
            else
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var temp = path + $".{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(new CachedWriteProfile(CachedWriteProfile.CurrentFormatVersion, key, imageId, caseId, learned, profile),
                RedeployJson.Indented.CachedWriteProfile));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteProfileNotCached(path, e.Message);
        }
    }

    private string EntryPath(string key) => Path.Combine(Root!, "write-profiles", key + ".json");

    private static string BindTarget(string bind)
    {
        var parts = bind.Split(':');
        return parts.Length >= 2 ? parts[1] : parts[0];
    }

    /// <summary>Values in ordinal order, so the key does not depend on the order the engine lists them in.</summary>
    private static JsonArray Sorted(IEnumerable<string> values) => new([.. values.Order(StringComparer.Ordinal).Select(v => (JsonNode?)JsonValue.Create(v))]);
}
