using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Engine;

namespace DockerIR.Docker;

/// <summary>
/// The docker CLI's contexts, as it stores them: the context named by <c>DOCKER_CONTEXT</c>, else <c>currentContext</c>
/// in <c>$DOCKER_CONFIG/config.json</c> (default <c>~/.docker</c>); its engine address in
/// <c>contexts/meta/&lt;sha256 of the name&gt;/meta.json</c> and its TLS files in <c>contexts/tls/&lt;sha256&gt;/docker/</c>.
/// <c>DOCKER_HOST</c>, when set, wins over any context, as with the CLI. The files are read bounded and a bad one is
/// an <see cref="EngineConfigurationException"/> naming it.
/// </summary>
public static class DockerContext
{
    private const long MaxFile = 1 << 20;

    /// <summary>The selected context's endpoint, or null for the default context (the default socket).</summary>
    public static DockerEndpoint? Selected(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        var config = getEnv("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(config))
        {
            config = DockerEndpoint.DefaultConfigDir(getEnv);
        }

        var name = getEnv("DOCKER_CONTEXT");
        var from = "DOCKER_CONTEXT";
        if (string.IsNullOrEmpty(name))
        {
            var file = Path.Combine(config, "config.json");
            from = file;
            name = ReadJson(file, required: false) is { } doc && doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("currentContext", out var current) && current.ValueKind == JsonValueKind.String ? current.GetString() : null;
        }

        if (string.IsNullOrEmpty(name) || name == "default")
        {
            return null;
        }

        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var meta = Path.Combine(config, "contexts", "meta", key, "meta.json");
        using var context = ReadJson(meta, required: true)
            ?? throw new EngineConfigurationException($"docker context '{name}' (from {from}) does not exist: no {meta}");
        if (context.RootElement.ValueKind != JsonValueKind.Object
            || !context.RootElement.TryGetProperty("Endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Object
            || !endpoints.TryGetProperty("docker", out var docker) || docker.ValueKind != JsonValueKind.Object
            || !docker.TryGetProperty("Host", out var hostElement) || hostElement.ValueKind != JsonValueKind.String)
        {
            throw new EngineConfigurationException($"docker context '{name}' names no docker endpoint in {meta}");
        }

        if (docker.TryGetProperty("SkipTLSVerify", out var skip) && skip.ValueKind == JsonValueKind.True)
        {
            throw new EngineConfigurationException(
                $"docker context '{name}' skips the verification of the engine's certificate; dockerir verifies it: put the engine's CA in the context (docker context update --docker ca=...)");
        }

        var tls = Path.Combine(config, "contexts", "tls", key, "docker");
        var host = hostElement.GetString()!;
        try
        {
            return DockerEndpoint.Parse(host, Directory.Exists(tls) ? new DockerTls(tls) : null);
        }
        catch (EngineConfigurationException e)
        {
            throw new EngineConfigurationException($"docker context '{name}': {e.Message}");
        }
    }

    private static JsonDocument? ReadJson(string path, bool required)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (info.Length > MaxFile)
            {
                throw new EngineConfigurationException($"{path} is larger than {MaxFile >> 20} MiB; not a docker configuration file");
            }

            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new EngineConfigurationException($"{path} is not valid JSON ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!required)
            {
                return null;
            }

            throw new EngineConfigurationException($"{path} cannot be read ({e.Message})");
        }
    }
}
