using DockerIR.Core;

namespace DockerIR.Cli;

/// <summary>The documented exit codes of dockerir (docs/exit-codes.md); the only place failures become numbers.</summary>
public enum ExitCode
{
    Success = 0,
    Usage = 1,
    EngineUnreachable = 2,
    NotFound = 3,
    Conflict = 4,
    EngineError = 5,
    PartialEvidence = 6,
    VerificationFailed = 7,
    ProbeFailed = 8,
    Refused = 9,
    AuditFailed = 10,
    Storage = 11,
    PreflightFailed = 12,
    Internal = 70,
    Interrupted = 130,
}

internal static class ExitCodes
{
    public static ExitCode For(FailureKind kind) => kind switch
    {
        FailureKind.Usage => ExitCode.Usage,
        FailureKind.EngineUnreachable => ExitCode.EngineUnreachable,
        FailureKind.NotFound => ExitCode.NotFound,
        FailureKind.Conflict => ExitCode.Conflict,
        FailureKind.EngineError => ExitCode.EngineError,
        FailureKind.PartialEvidence => ExitCode.PartialEvidence,
        FailureKind.VerificationFailed => ExitCode.VerificationFailed,
        FailureKind.ProbeFailed => ExitCode.ProbeFailed,
        FailureKind.Refused => ExitCode.Refused,
        FailureKind.Storage => ExitCode.Storage,
        FailureKind.PreflightFailed => ExitCode.PreflightFailed,
        _ => ExitCode.Internal,
    };
}
