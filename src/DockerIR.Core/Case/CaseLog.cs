using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace DockerIR.Core.Case;

/// <summary>
/// The tool's own log kept in the case: every event of a command that writes to a case, as Serilog CLEF (one JSON
/// object per line: @t, @mt, @l, properties), appended to logs/dockerir.clef, bundled and hashed like every case file.
/// Events before the command knows its case are held (up to <see cref="MaxPending"/>) and written when it does (a
/// custody log is opened for it); each target of a parallel run logs into its own case only (<see cref="BeginScope"/>). Once the case is sealed (SHA256SUMS written), events go to
/// logs/dockerir-after-seal.clef, so the sealed files still check with `sha256sum -c`; the next bundle folds them in.
/// The log is a record of the tool, not evidence: a write that fails (a full disk) is dropped, never fails the command.
/// </summary>
public sealed class CaseLog : ILogEventSink
{
    public const string FileName = "logs/dockerir.clef";
    public const string AfterSealFileName = "logs/dockerir-after-seal.clef";

    /// <summary>The most events held before the command's case is known.</summary>
    public const int MaxPending = 10_000;

    private static readonly AsyncLocal<CaseLog?> CurrentLog = new();
    private static readonly AsyncLocal<Scope?> CurrentScope = new();
    private static readonly Lock Gate = new();
    private readonly CompactJsonFormatter formatter = new();

    /// <summary>
    /// The events of one line of work (a command, or one target of a run over several) and the cases they go to. An
    /// event belongs to the scope of the async flow that logged it, so the targets of a parallel run never write into
    /// each other's cases (nor into one while it is being sealed).
    /// </summary>
    private sealed class Scope(IEnumerable<string> pending)
    {
        public List<string> Pending { get; } = [.. pending];

        public List<string> Roots { get; } = [];
    }

    /// <summary>The case log of the command running in this async flow (set by the CLI), or null.</summary>
    public static CaseLog? Current
    {
        get => CurrentLog.Value;
        set
        {
            CurrentLog.Value = value;
            CurrentScope.Value = value is null ? null : new Scope([]);
        }
    }

    /// <summary>
    /// Starts the scope of one target of a run (call it at the top of the target's own async flow): its events go to
    /// its case only; what the command logged before it is copied in.
    /// </summary>
    public static void BeginScope()
    {
        if (CurrentLog.Value is null)
        {
            return;
        }

        lock (Gate)
        {
            CurrentScope.Value = new Scope(CurrentScope.Value?.Pending ?? []);
        }
    }

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (CurrentScope.Value is not { } scope)
        {
            return;
        }

        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        formatter.Format(logEvent, text);
        var line = text.ToString();
        lock (Gate)
        {
            if (scope.Pending.Count < MaxPending)
            {
                scope.Pending.Add(line); // kept for a case attached later in this scope
            }

            foreach (var root in scope.Roots)
            {
                Append(root, line);
            }
        }
    }

    /// <summary>Writes this scope's events so far, and every later one, into the case at <paramref name="root"/>.</summary>
    public static void Attach(string root)
    {
        if (CurrentScope.Value is not { } scope)
        {
            return;
        }

        lock (Gate)
        {
            if (scope.Roots.Contains(root, StringComparer.Ordinal))
            {
                return;
            }

            scope.Roots.Add(root);
            Append(root, string.Concat(scope.Pending));
        }
    }

    /// <summary>Moves the events written after the last seal into the log itself (the bundle does this before it seals again).</summary>
    public static void FoldAfterSeal(string root)
    {
        lock (Gate)
        {
            try
            {
                CaseFiles.FoldAfterSeal(root, AfterSealFileName);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void Append(string root, string text)
    {
        if (text.Length == 0 || !Directory.Exists(root))
        {
            return; // never make a case directory again that was removed while the command ran
        }

        try
        {
            var path = CaseFiles.AppendTarget(root, FileName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (new FileInfo(path).LinkTarget is not null)
            {
                return; // a link planted in the case is never written through
            }

            File.AppendAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
