using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Engine;

namespace DockerIR.Cli;

/// <summary>
/// Runs a verb's body and turns its outcome into an exit code: expected failures become one line on stderr
/// and their documented code; Ctrl-C becomes 130, SIGTERM 143; anything else is an internal error, with a stack trace
/// only under --debug.
/// </summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Func<IContainerEngine>? engineFactory, Func<ParseResult, CliContext, CancellationToken, Task<Verdict>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var context = new CliContext(parseResult, engineFactory);
            Exception? detail = null;
            Verdict verdict;
            try
            {
                verdict = await body(parseResult, context, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                verdict = Termination.Received == 15 ? ExitCodes.Terminated : ExitCodes.Interrupted;
            }
            catch (Exception e) when (DockerIRException.Expected(e) is { } failure)
            {
                (verdict, detail) = (ExitCodes.Failure(failure), e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (verdict, detail) = (ExitCodes.Internal(e), e);
            }
            finally
            {
                // Canaries that passed are removed in the background; none may outlive the command.
                await Core.Redeploy.CanaryRunner.DrainRemovalsAsync();
            }

            if (verdict.Line is { } line)
            {
                await context.Err.WriteLineAsync(line);
            }

            if (detail is not null && context.Debug)
            {
                await context.Err.WriteLineAsync(detail.ToString());
            }

            return (int)verdict.Code;
        });
    }
}
