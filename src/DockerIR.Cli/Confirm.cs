using DockerIR.Core;

namespace DockerIR.Cli;

/// <summary>The one rule for destructive actions: --yes, or a "y" typed at a terminal; never a kill by default.</summary>
internal static class Confirm
{
    public static void KillOrRefuse(CliContext ctx, bool yes, string action)
    {
        if (yes)
        {
            return;
        }

        if (!ctx.IsTerminal || Console.IsInputRedirected)
        {
            throw new DockerIRException(FailureKind.Refused, $"refusing to {action} without confirmation: no terminal to ask on; pass --yes");
        }

        ctx.Out.Write($"About to {action}. Proceed? [y/N] ");
        ctx.Out.Flush();
        var answer = Console.ReadLine()?.Trim();
        if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
        {
            throw new DockerIRException(FailureKind.Refused, $"not confirmed; nothing was done ({action})");
        }
    }
}
