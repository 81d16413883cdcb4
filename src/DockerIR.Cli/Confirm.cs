using DockerIR.Core;

namespace DockerIR.Cli;

/// <summary>The one rule for destructive actions: --yes, or a "y" typed at a terminal; never a kill by default.</summary>
internal static class Confirm
{
    /// <summary>Refuses at once, before any work is done, when the kill could not be confirmed anyway (no --yes and no terminal to ask on).</summary>
    public static void RefuseUnlessConfirmable(CliContext ctx, bool yes, string action)
    {
        if (!yes && !CanAsk(ctx))
        {
            throw Unconfirmed(action);
        }
    }

    public static void KillOrRefuse(CliContext ctx, bool yes, string action)
    {
        if (yes)
        {
            return;
        }

        if (!CanAsk(ctx))
        {
            throw Unconfirmed(action);
        }

        ctx.Out.Write($"About to {action}. Proceed? [y/N] ");
        ctx.Out.Flush();
        var answer = Console.ReadLine()?.Trim();
        if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
        {
            throw new DockerIRException(FailureKind.Refused, $"not confirmed; nothing was done ({action})");
        }
    }

    private static bool CanAsk(CliContext ctx) => ctx.IsTerminal && !Console.IsInputRedirected;

    private static DockerIRException Unconfirmed(string action) =>
        new(FailureKind.Refused, $"refusing to {action} without confirmation: no terminal to ask on; pass --yes");
}
