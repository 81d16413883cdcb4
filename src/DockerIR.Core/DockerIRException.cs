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
    /// <summary>The planned replacement, started as a canary before any kill, did not pass its probes; the suspect was left as it was.</summary>
    PreflightFailed,
    /// <summary>The case directory or bundle could not be written or read: its filesystem is full or read-only, or it was removed.</summary>
    Storage,
}

/// <summary>Base of every expected failure in DockerIR: carries a one-line, user-facing message and a kind.</summary>
public class DockerIRException : Exception
{
    public DockerIRException(FailureKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public FailureKind Kind { get; }

    /// <summary>True for the failures of the responder's own storage (disk full, read-only, a directory removed) that <see cref="Storage"/> explains.</summary>
    public static bool IsStorage(Exception e) =>
        e is UnauthorizedAccessException or DirectoryNotFoundException
        || (e is IOException && e.HResult is StorageErrno.NoSpace or StorageErrno.ReadOnly or StorageErrno.Quota or StorageErrno.Io or StorageErrno.TooBig or StorageErrno.NoEntry);

    /// <summary>The errno values (an IOException's HResult on Linux) of a failing filesystem.</summary>
    private static class StorageErrno
    {
        public const int NoEntry = 2;
        public const int Io = 5;
        public const int TooBig = 27;
        public const int NoSpace = 28;
        public const int ReadOnly = 30;
        public const int Quota = 122;
    }

    /// <summary>The expected failure <paramref name="e"/> stands for (itself, or a storage failure explained), or null for a bug.</summary>
    public static DockerIRException? Expected(Exception e) => e as DockerIRException ?? (IsStorage(e) ? Storage(e) : null);

    /// <summary>A storage failure as one line that says what to do.</summary>
    public static DockerIRException Storage(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new DockerIRException(FailureKind.Storage,
            $"cannot write or read the case: {e.Message}; the filesystem may be full or read-only, or the directory was removed: fix that and run again ('dockerir respond --resume CASE_DIR' continues a response)", e);
    }
}
