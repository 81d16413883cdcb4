using DockerIR.Core.Engine;

namespace DockerIR.Docker;

/// <summary>How to reach an engine: a unix socket, or TCP with optional TLS.</summary>
public sealed record DockerEndpoint
{
    public const string DefaultUnixSocket = "/var/run/docker.sock";

    private DockerEndpoint(string display, string? socketPath, string? host, int port, DockerTls? tls)
    {
        Display = display;
        SocketPath = socketPath;
        Host = host;
        Port = port;
        Tls = tls;
    }

    /// <summary>The endpoint as the user would write it (e.g. unix:///var/run/docker.sock), for messages.</summary>
    public string Display { get; }

    /// <summary>Path of the unix socket; null for TCP.</summary>
    public string? SocketPath { get; }

    public string? Host { get; }

    public int Port { get; }

    /// <summary>TLS settings for TCP; null for plain HTTP.</summary>
    public DockerTls? Tls { get; }

    public bool IsUnix => SocketPath is not null;

    /// <summary>
    /// Reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH the way the docker CLI does, and without DOCKER_HOST
    /// the selected docker context (<see cref="DockerContext"/>). A malformed value is an
    /// <see cref="EngineConfigurationException"/> naming the variable or file.
    /// </summary>
    public static DockerEndpoint FromEnvironment(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        var host = getEnv("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(host) && DockerContext.Selected(getEnv) is { } context)
        {
            return context;
        }

        var tlsVerify = !string.IsNullOrEmpty(getEnv("DOCKER_TLS_VERIFY"));
        var certPath = getEnv("DOCKER_CERT_PATH");
        if (string.IsNullOrEmpty(certPath))
        {
            certPath = DefaultConfigDir(getEnv);
        }

        return Parse(string.IsNullOrWhiteSpace(host) ? $"unix://{DefaultUnixSocket}" : host.Trim(), tlsVerify ? new DockerTls(certPath) : null);
    }

    /// <summary>The docker CLI's own folder, ~/.docker (HOME as the environment gives it): default of DOCKER_CERT_PATH and DOCKER_CONFIG.</summary>
    internal static string DefaultConfigDir(Func<string, string?> getEnv) =>
        Path.Combine(getEnv("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");

    /// <summary>Parses a DOCKER_HOST value: unix:///path or tcp://host:port.</summary>
    public static DockerEndpoint Parse(string value, DockerTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw Malformed(value, "expected unix:///path/to/docker.sock or tcp://host:port");
        }

        var scheme = value[..schemeEnd].ToLowerInvariant();
        var rest = value[(schemeEnd + 3)..];
        switch (scheme)
        {
            case "unix":
                if (rest.Length == 0)
                {
                    return new DockerEndpoint($"unix://{DefaultUnixSocket}", DefaultUnixSocket, null, 0, null);
                }

                if (!rest.StartsWith('/') || rest.Contains('\0', StringComparison.Ordinal))
                {
                    throw Malformed(value, "a unix socket path must be absolute, as in unix:///var/run/docker.sock");
                }

                return new DockerEndpoint($"unix://{rest}", rest, null, 0, null);

            case "tcp" or "http" or "https":
                return ParseTcp(value, rest, scheme == "https" ? tls ?? new DockerTls(null) : tls);

            case "ssh" or "npipe" or "fd":
                throw Malformed(value, $"{scheme}:// engines are not supported; use unix:// or tcp:// (with DOCKER_TLS_VERIFY for TLS)");

            default:
                throw Malformed(value, $"unknown scheme '{scheme}'; expected unix:// or tcp://");
        }
    }

    /// <summary>The base address HTTP requests are sent to.</summary>
    internal Uri BaseAddress => IsUnix
        ? new Uri("http://docker.sock/")
        : new UriBuilder(Tls is null ? "http" : "https", Host, Port, "/").Uri;

    private static DockerEndpoint ParseTcp(string original, string rest, DockerTls? tls)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        if (slash >= 0 && rest[slash..].Trim('/').Length > 0)
        {
            throw Malformed(original, "a tcp endpoint takes no path");
        }

        string host;
        string? portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Malformed(original, "unclosed '[' in an IPv6 address");
            }

            host = authority[1..close];
            portText = authority.Length > close + 1 && authority[close + 1] == ':' ? authority[(close + 2)..] : null;
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? null : authority[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '@' or '?' or '#' or '/'))
        {
            throw Malformed(original, "missing or invalid host name");
        }

        var port = tls is null ? 2375 : 2376;
        if (!string.IsNullOrEmpty(portText) && (!int.TryParse(portText, out port) || port is < 1 or > 65535))
        {
            throw Malformed(original, $"invalid port '{portText}'");
        }

        var display = $"tcp://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}";
        return new DockerEndpoint(display, null, host, port, tls);
    }

    private static EngineConfigurationException Malformed(string value, string why) =>
        new($"malformed DOCKER_HOST '{value}': {why}");
}

/// <summary>TLS for a TCP engine: ca.pem, cert.pem and key.pem in <see cref="CertPath"/>, as the docker CLI reads them.</summary>
public sealed record DockerTls(string? CertPath);
