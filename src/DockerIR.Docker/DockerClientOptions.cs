namespace DockerIR.Docker;

/// <summary>Settings of the engine client.</summary>
public sealed record DockerClientOptions(DockerEndpoint Endpoint)
{
    /// <summary>The oldest engine API this client speaks.</summary>
    public const string MinApiVersion = "1.41";

    /// <summary>The newest engine API this client asks for; newer daemons are spoken to at this version.</summary>
    public const string MaxApiVersion = "1.47";

    /// <summary>How long connecting and the first version check may take before the engine counts as unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request that does not stream may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Where each request to the engine is logged, at Debug level (method, path, status, time); null for nowhere.</summary>
    public Serilog.ILogger? Log { get; init; }

    public static DockerClientOptions FromEnvironment() => new(DockerEndpoint.FromEnvironment(Environment.GetEnvironmentVariable));
}
