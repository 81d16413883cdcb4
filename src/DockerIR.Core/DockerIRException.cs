namespace DockerIR.Core;

/// <summary>What kind of failure ended a workflow; the CLI maps each kind to one documented exit code.</summary>
public enum FailureKind
{
    /// <summary>Bad arguments or configuration (options, DOCKER_HOST, TLS files).</summary>
    Usage,
    /// <summary>The Docker engine could not be reached at its endpoint.</summary>
    EngineUnreachable,
    /// <summary>A container, image, network or case named by the user does not exist.</summary>
    NotFound,
    /// <summary>The engine or the case refused because of the current state (name in use, case exists).</summary>
    Conflict,
    /// <summary>The engine answered with an error that is none of the above.</summary>
    EngineError,
    /// <summary>Evidence was written but is incomplete; the gaps are recorded.</summary>
    PartialEvidence,
    /// <summary>A bundle or case does not match its recorded hashes.</summary>
    VerificationFailed,
    /// <summary>A relaunched container did not pass its probe.</summary>
    ProbeFailed,
    /// <summary>A safety rule refused a destructive action (no evidence, no confirmation).</summary>
    Refused,
}

/// <summary>Base of every expected failure in DockerIR: carries a one-line, user-facing message and a kind.</summary>
public class DockerIRException : Exception
{
    public DockerIRException(FailureKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public FailureKind Kind { get; }
}
