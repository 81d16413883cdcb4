using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Evidence;
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

    /// <summary>An engine endpoint that accepts connections and never answers: a request to it waits until cancelled.</summary>
    private static (System.Net.Sockets.TcpListener Listener, List<System.Net.Sockets.Socket> Held) SilentEngine()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var held = new List<System.Net.Sockets.Socket>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await listener.AcceptSocketAsync());
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
        return (listener, held);
    }

    [Theory]
    [InlineData("TERM", 143, "dockerir: terminated (SIGTERM):")]
    [InlineData("INT", 130, "dockerir: interrupted:")]
    public async Task Signal_WhileWaitingOnTheEngine_StopsAtOnceWithItsCode_AndOneLine(string signal, int code, string line)
    {
        var (listener, held) = SilentEngine();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var pidFile = Path.Combine(Path.GetTempPath(), $"dockerir-signal-{Guid.NewGuid():N}.pid");
            var run = ProcessRunner.RunAsync("bash", ["-c", "exec 3>&2 2>/dev/null; set -m; dotnet \"$0\" diff web 2>&3 & echo $! > \"$1\"; wait $!", Path.Combine(AppContext.BaseDirectory, "dockerir.dll"), pidFile],
                new Dictionary<string, string?> { ["DOCKER_HOST"] = $"tcp://127.0.0.1:{port}" });
            // Job control (set -m) so the background command keeps SIGINT (bash ignores it in background jobs otherwise);
            // bash's own job notices go nowhere. The signal comes once the command waits on the engine (it has
            // connected), not while the runtime starts.
            for (var i = 0; held.Count == 0; i++)
            {
                Assert.True(i < 300, "dockerir never connected to the engine endpoint");
                await Task.Delay(50);
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, (await ProcessRunner.RunAsync("kill", ["-s", signal, (await File.ReadAllTextAsync(pidFile)).Trim()])).ExitCode);
            var result = await run;
            File.Delete(pidFile);

            Assert.Equal(code, result.ExitCode);
            Assert.True(started.Elapsed < Termination.Grace, $"took {started.Elapsed} to stop");
            Assert.Equal("", result.StdOut);
            Assert.StartsWith(line, Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
            held.ForEach(s => s.Dispose());
        }
    }

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
        var documented = File.ReadAllText(Path.Combine(Checkout.Root(), "docs", "exit-codes.md"));
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
