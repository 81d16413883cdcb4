namespace DockerIR.Core.Engine;

/// <summary>The engine endpoint could not be reached (no socket, refused, timed out, not speaking the API).</summary>
public sealed class EngineUnreachableException(string endpoint, string reason, Exception? inner = null)
    : DockerIRException(FailureKind.EngineUnreachable, $"cannot reach the Docker engine at {endpoint}: {reason}", inner)
{
    public string Endpoint { get; } = endpoint;
}

/// <summary>DOCKER_HOST, TLS files or other engine settings are malformed or missing.</summary>
public sealed class EngineConfigurationException(string message, Exception? inner = null)
    : DockerIRException(FailureKind.Usage, message, inner);

/// <summary>No container matches the reference (name, id or id prefix).</summary>
public sealed class ContainerNotFoundException(string reference, string? daemonMessage = null)
    : DockerIRException(FailureKind.NotFound, $"no such container: {reference}" + Suffix(daemonMessage))
{
    public string Reference { get; } = reference;

    private static string Suffix(string? daemonMessage) =>
        string.IsNullOrEmpty(daemonMessage) || daemonMessage.Contains("No such container", StringComparison.OrdinalIgnoreCase)
            ? "" : $" ({daemonMessage})";
}

/// <summary>No image matches the reference.</summary>
public sealed class ImageNotFoundException(string reference)
    : DockerIRException(FailureKind.NotFound, $"no such image: {reference}")
{
    public string Reference { get; } = reference;
}

/// <summary>A network, path or other engine object named in a request does not exist.</summary>
public sealed class EngineObjectNotFoundException(string message)
    : DockerIRException(FailureKind.NotFound, message);

/// <summary>The engine refused because of the object's state (409: name in use, container paused, ...).</summary>
public sealed class EngineConflictException(string message)
    : DockerIRException(FailureKind.Conflict, message);

/// <summary>Any other engine error, with the HTTP status and the daemon's own message.</summary>
public sealed class EngineApiException(int statusCode, string daemonMessage, string operation)
    : DockerIRException(FailureKind.EngineError, $"the Docker engine failed to {operation} (HTTP {statusCode}): {daemonMessage}")
{
    public int StatusCode { get; } = statusCode;
    public string DaemonMessage { get; } = daemonMessage;
}
