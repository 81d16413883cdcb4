using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace DockerIR.Core;

/// <summary>
/// Named points in the workflows where the fault-injection suite (tests/DockerIR.Faults.Tests) makes a run fail the
/// way the worst day would: SIGKILL, Ctrl-C, or a stall while the test breaks something (removes the container,
/// fills the disk, stops the engine). Off, and one static check per point, unless DOCKERIR_FAULT or
/// DOCKERIR_FAULT_TRACE is set in the environment. See docs/reliability.md.
/// </summary>
/// <remarks>
/// DOCKERIR_FAULT="POINT:N:ACTION" acts on the Nth hit of POINT (1-based). ACTION is "kill" (SIGKILL: nothing
/// runs after it), "interrupt" (SIGINT to this process, as Ctrl-C), "terminate" (SIGTERM, as timeout or systemd) or "stall:FILE" (creates FILE.hit, then waits
/// until FILE.go exists). DOCKERIR_FAULT_TRACE=FILE appends every hit's POINT to FILE, so a test can count the
/// points of a whole run and choose where to strike.
/// </remarks>
public static partial class FaultPoints
{
    /// <summary>Just before a custody line is written: the action it records is done but not recorded yet.</summary>
    public const string CustodyBefore = "custody.before";

    /// <summary>Just after a custody line is written.</summary>
    public const string CustodyAfter = "custody.after";

    /// <summary>Before each change-set entry is written into after.tar or before.tar.</summary>
    public const string ExtractEntry = "extract.entry";

    /// <summary>Before each file of the case is written into the bundle.</summary>
    public const string BundleFile = "bundle.file";

    /// <summary>In a snapshot, after the change set is read and before the commit.</summary>
    public const string SnapshotCommit = "snapshot.commit";

    private static readonly Plan? Armed = Plan.FromEnvironment();
    private static readonly Dictionary<string, int> Hits = new(StringComparer.Ordinal);

    /// <summary>Counts a hit of <paramref name="point"/> and acts when it is the armed one.</summary>
    public static ValueTask HitAsync(string point, CancellationToken cancellationToken) =>
        Armed is null ? ValueTask.CompletedTask : Armed.HitAsync(point, cancellationToken);

    private sealed class Plan(string? point, int count, string? action, string? trace)
    {
        public static Plan? FromEnvironment()
        {
            var spec = Environment.GetEnvironmentVariable("DOCKERIR_FAULT");
            var trace = Environment.GetEnvironmentVariable("DOCKERIR_FAULT_TRACE");
            if (string.IsNullOrEmpty(spec))
            {
                return string.IsNullOrEmpty(trace) ? null : new Plan(null, 0, null, trace);
            }

            var parts = spec.Split(':', 3);
            return parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1
                || !(parts[2] is "kill" or "interrupt" or "terminate" || parts[2].StartsWith("stall:", StringComparison.Ordinal))
                ? new Plan(null, 0, "malformed: " + spec, null)
                : new Plan(parts[0], n, parts[2], string.IsNullOrEmpty(trace) ? null : trace);
        }

        public async ValueTask HitAsync(string name, CancellationToken cancellationToken)
        {
            if (action?.StartsWith("malformed: ", StringComparison.Ordinal) == true)
            {
                throw new DockerIRException(FailureKind.Usage, $"DOCKERIR_FAULT='{SafeText.Escape(action["malformed: ".Length..])}' is not POINT:N:kill|interrupt|terminate|stall:FILE");
            }

            int n;
            lock (Hits)
            {
                n = Hits[name] = Hits.GetValueOrDefault(name) + 1;
                if (trace is not null)
                {
                    File.AppendAllText(trace, name + "\n");
                }
            }

            if (name != point || n != count)
            {
                return;
            }

            switch (action)
            {
                case "kill":
                    Process.GetCurrentProcess().Kill();
                    break;
                case "interrupt" or "terminate":
                    _ = Kill(Environment.ProcessId, action == "interrupt" ? 2 : 15);
                    // The runtime delivers the signal on its own thread; give the handler time to cancel this run.
                    await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                    break;
                default:
                    var file = action!["stall:".Length..];
                    await File.WriteAllTextAsync(file + ".hit", $"{name} {n}\n", CancellationToken.None);
                    while (!File.Exists(file + ".go"))
                    {
                        await Task.Delay(50, cancellationToken);
                    }

                    break;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
