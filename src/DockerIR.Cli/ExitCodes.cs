using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Evidence;

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
    Terminated = 143,
}

/// <summary>How a command ends: its exit code and the one line it writes on stderr (none for success).</summary>
internal sealed record Verdict(ExitCode Code, string? Line)
{
    public static Verdict Success { get; } = new(ExitCode.Success, null);
}

/// <summary>
/// The one place where outcomes become exit codes and their stderr line: every verb's body returns one of these
/// verdicts, and <see cref="CommandRunner"/> writes the line and returns the code.
/// </summary>
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

    /// <summary>An expected failure (a <see cref="DockerIRException"/> or what maps to one): its code and message.</summary>
    public static Verdict Failure(DockerIRException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new(For(failure.Kind), $"dockerir: error: {SafeText.Escape(failure.Message)}");
    }

    /// <summary>An unexpected exception: an internal error.</summary>
    public static Verdict Internal(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(ExitCode.Internal, $"dockerir: internal error: {SafeText.Escape(e.Message)} ({e.GetType().Name}; run with --debug for details)");
    }

    /// <summary>Ctrl-C (or a stop) during the command.</summary>
    public static Verdict Interrupted { get; } = new(ExitCode.Interrupted,
        "dockerir: interrupted: what was done so far is in the case's custody log; run the command again ('dockerir respond --resume CASE_DIR' continues a response)");

    /// <summary>SIGTERM (timeout, systemd, a container stop) during the command: stopped as Ctrl-C stops it.</summary>
    public static Verdict Terminated { get; } = new(ExitCode.Terminated,
        "dockerir: terminated (SIGTERM): what was done so far is in the case's custody log; run the command again ('dockerir respond --resume CASE_DIR' continues a response)");

    /// <summary>Evidence written with gaps (extract, bundle, verify of a partial case): success when complete.</summary>
    public static Verdict Evidence(bool complete, string gaps) =>
        complete ? Verdict.Success : new(ExitCode.PartialEvidence, $"dockerir: partial evidence: {SafeText.Escape(gaps)}");

    /// <summary>A verification: its first problem (and how many more) when it failed, else the evidence's completeness.</summary>
    public static Verdict Verified(VerifyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Intact)
        {
            var first = result.Problems[0];
            return new(ExitCode.VerificationFailed, $"dockerir: verification failed: {first.Kind} {SafeText.Escape(first.Name)}"
                + (result.Problems.Count > 1 ? $" (and {result.Problems.Count - 1} more)" : ""));
        }

        return Evidence(result.EvidenceComplete, "the case's manifest lists gaps");
    }

    /// <summary>An audit (or findings) with --fail-on: failed when any finding is at or above the threshold.</summary>
    public static Verdict Audited(int atOrAbove, Severity? threshold, string verb = "audit") =>
        threshold is { } t && atOrAbove > 0
            ? new(ExitCode.AuditFailed, $"dockerir: {verb}: {atOrAbove} finding(s) at or above {t.ToString().ToLowerInvariant()} severity")
            : Verdict.Success;

    /// <summary>One or more runs (respond, playbook run, demo): the first failure's code (with its one error line), else partial evidence, else success.</summary>
    public static Verdict Runs(IReadOnlyList<CaseRunResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.FirstOrDefault(r => !r.Succeeded) is { } failed)
        {
            return new(For(failed.FailureKind ?? FailureKind.EngineError), $"dockerir: error: {SafeText.Escape($"{failed.ContainerName}: {failed.Failure}")}"
                + (results.Count > 1 ? $" ({results.Count(r => !r.Succeeded)} of {results.Count} targets failed)" : ""));
        }

        if (results.FirstOrDefault(r => r.BundlePath is not null && !r.EvidenceComplete) is { } partial)
        {
            return new(ExitCode.PartialEvidence, $"dockerir: partial evidence: {SafeText.Escape(partial.ContainerName)}: the manifest lists gaps");
        }

        return Verdict.Success;
    }

    /// <summary>The demo's last step: the repeated attack must fail on the read-only replacement.</summary>
    public static Verdict DemoBlocked(bool blocked) =>
        blocked ? Verdict.Success : new(ExitCode.ProbeFailed, "dockerir: the demo's repeated attack was not blocked by the replacement");
}
