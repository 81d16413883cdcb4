using DockerIR.Core;
using DockerIR.Core.Audit;
using DockerIR.Core.Evidence;
using DockerIR.Core.Playbooks;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// Exit codes and their one stderr line come from one place (<see cref="ExitCodes"/>): checked on the outcomes
/// themselves, and through Program.RunAsync in-process (no engine needed) for the line a verb writes.
/// </summary>
public sealed class ExitCodeTests
{
    private static CaseRunResult Run(string name, bool succeeded = true, FailureKind? kind = null, bool complete = true) =>
        new($"case-{name}", $"/cases/{name}", "c0ffee", name, succeeded ? $"/cases/{name}.tar.gz" : null, null, complete, [], null, [], [],
            succeeded, succeeded ? null : "the commit failed", kind);

    [Fact]
    public void Runs_FirstFailureDecides_ThenPartialEvidence_ThenSuccess()
    {
        var failed = ExitCodes.Runs([Run("web-1"), Run("web-2", succeeded: false, kind: FailureKind.Storage), Run("web-3", complete: false)]);
        Assert.Equal(ExitCode.Storage, failed.Code);
        Assert.Equal("dockerir: error: web-2: the commit failed (1 of 3 targets failed)", failed.Line);

        var partial = ExitCodes.Runs([Run("web-1"), Run("web-3", complete: false)]);
        Assert.Equal(ExitCode.PartialEvidence, partial.Code);
        Assert.Contains("web-3", partial.Line, StringComparison.Ordinal);

        Assert.Same(Verdict.Success, ExitCodes.Runs([Run("web-1")]));
        Assert.Equal(ExitCode.EngineError, ExitCodes.Runs([Run("web-4", succeeded: false)]).Code);
    }

    [Fact]
    public void Verified_NamesTheFirstProblem_AndAnIntactButPartialCaseIsPartialEvidence()
    {
        var broken = new VerifyResult("/cases/web-1", false, true, 3, 4, null,
            [new VerifyProblem("altered", "case.json", "hash differs"), new VerifyProblem("missing", "report.html", "")], []);
        var verdict = ExitCodes.Verified(broken);
        Assert.Equal(ExitCode.VerificationFailed, verdict.Code);
        Assert.Equal("dockerir: verification failed: altered case.json (and 1 more)", verdict.Line);

        Assert.Equal(ExitCode.PartialEvidence, ExitCodes.Verified(broken with { Intact = true, EvidenceComplete = false, Problems = [] }).Code);
        Assert.Same(Verdict.Success, ExitCodes.Verified(broken with { Intact = true, Problems = [] }));
    }

    [Fact]
    public void Audited_FailsOnlyWithAThresholdAndAFindingAtIt()
    {
        Assert.Equal(ExitCode.AuditFailed, ExitCodes.Audited(2, Severity.High).Code);
        Assert.Contains("2 finding(s) at or above high", ExitCodes.Audited(2, Severity.High).Line, StringComparison.Ordinal);
        Assert.Same(Verdict.Success, ExitCodes.Audited(0, Severity.Low));
        Assert.Same(Verdict.Success, ExitCodes.Audited(5, null));
    }

    [Fact]
    public void EveryFailureKind_HasItsOwnDocumentedCode()
    {
        var codes = Enum.GetValues<FailureKind>().Select(ExitCodes.For).ToList();

        Assert.DoesNotContain(ExitCode.Internal, codes);
        Assert.Equal(codes.Count, codes.Distinct().Count());
        var documented = File.ReadAllText(Path.Combine(ServerCorpus.RepoRoot(), "docs", "exit-codes.md"));
        Assert.All(codes, c => Assert.Contains($"| {(int)c} ", documented, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verb_InProcess_WritesOneLineOnStderrAndReturnsTheCode()
    {
        var missing = Path.Combine(Path.GetTempPath(), "dockerir-no-such-case-" + Guid.NewGuid().ToString("N"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await Program.RunAsync(["verify", missing], output, error, () => throw new InvalidOperationException("verify needs no engine"), CancellationToken.None);

        Assert.Equal((int)ExitCode.NotFound, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dockerir: error: ", line, StringComparison.Ordinal);
        Assert.Contains(missing, line, StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "unrecognized command or argument 'frobnicate'", "see 'dockerir --help'")]
    [InlineData(new[] { "verify", "--bogus" }, "unknown option '--bogus' for 'dockerir verify'", "see 'dockerir verify --help'")]
    [InlineData(new[] { "redeploy", "web", "--probe-timeout", "x" }, "--probe-timeout must be a whole number from 1 to 600", "see 'dockerir redeploy --help'")]
    [InlineData(new[] { "playbook", "run" }, "required argument 'FILE' missing for command: 'run'", "see 'dockerir playbook run --help'")]
    [InlineData(new[] { "findings", "case", "--min-severity", "hgh" }, "argument 'hgh' not recognized. Must be one of: 'low' 'medium' 'high'", "see 'dockerir findings --help'")]
    public async Task ParseError_IsOneErrorLineAndWhereToLook_OnStderrOnly(string[] args, string error, string hint)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = await Program.RunAsync(args, output, errors, () => throw new InvalidOperationException("a parse error needs no engine"), CancellationToken.None);

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Equal("", output.ToString());
        Assert.Equal([$"dockerir: error: {error}", hint], errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
