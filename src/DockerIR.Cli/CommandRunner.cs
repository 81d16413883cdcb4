using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Engine;

namespace DockerIR.Cli;

/// <summary>
/// Runs a verb's body and turns its outcome into an exit code: expected failures become one line on stderr
/// and their documented code; Ctrl-C becomes 130; anything else is an internal error, with a stack trace
/// only under --debug.
/// </summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Func<IContainerEngine>? engineFactory, Func<ParseResult, CliContext, CancellationToken, Task<ExitCode>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var context = new CliContext(parseResult, engineFactory);
            try
            {
                return (int)await body(parseResult, context, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await context.Err.WriteLineAsync("dockerir: interrupted: what was done so far is in the case's custody log; run the command again ('dockerir respond --resume CASE_DIR' continues a response)");
                return (int)ExitCode.Interrupted;
            }
            catch (Exception e) when (DockerIRException.Expected(e) is { } failure)
            {
                await context.Err.WriteLineAsync($"dockerir: error: {SafeText.Escape(failure.Message)}");
                if (context.Debug)
                {
                    await context.Err.WriteLineAsync(e.ToString());
                }

                return (int)ExitCodes.For(failure.Kind);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                await context.Err.WriteLineAsync($"dockerir: internal error: {SafeText.Escape(e.Message)} ({e.GetType().Name}; run with --debug for details)");
                if (context.Debug)
                {
                    await context.Err.WriteLineAsync(e.ToString());
                }

                return (int)ExitCode.Internal;
            }
            finally
            {
                // Canaries that passed are removed in the background; none may outlive the command.
                await Core.Redeploy.CanaryRunner.DrainRemovalsAsync();
            }
        });
    }
}
