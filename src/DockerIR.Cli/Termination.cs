using System.Runtime.InteropServices;

namespace DockerIR.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (what <c>timeout</c>, systemd and container stops send) handled alike: the first one
/// cancels the command's token, so the current step stops, custody says <c>interrupted</c> and the command exits 130
/// (SIGINT) or 143 (SIGTERM); a second one, or a command still running <see cref="Grace"/> after the first (a call
/// that would not stop), ends the process at once with that code.
/// </summary>
internal sealed class Termination : IDisposable
{
    /// <summary>How long a command may take to stop after the first signal before the process is ended.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private static int received;
    private readonly CancellationTokenSource cancellation = new();
    private readonly PosixSignalRegistration[] registrations;

    private Termination()
    {
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>The signal number that stopped this process's command (2 or 15), or 0.</summary>
    public static int Received => Volatile.Read(ref received);

    public CancellationToken Token => cancellation.Token;

    /// <summary>Takes over SIGINT and SIGTERM for this process (the executable's entry point does this; tests do not).</summary>
    public static Termination Install() => new();

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var number = context.Signal == PosixSignal.SIGTERM ? 15 : 2;
        if (Interlocked.CompareExchange(ref received, number, 0) != 0)
        {
            Environment.Exit(128 + Received);
            return;
        }

        cancellation.Cancel();
        _ = Task.Delay(Grace).ContinueWith(_ =>
        {
            Console.Error.WriteLine($"dockerir: still running {Grace.TotalSeconds:0} s after the {(number == 15 ? "SIGTERM" : "interrupt")}; ending it (what was done so far is in the case's custody log)");
            Environment.Exit(128 + number);
        }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        foreach (var r in registrations)
        {
            r.Dispose();
        }

        cancellation.Dispose();
    }
}
