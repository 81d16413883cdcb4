using System.CommandLine;
using System.Reflection;
using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Docker;
using System.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Spectre.Console;

namespace DockerIR.Cli;

/// <summary>
/// The composition root and the per-invocation services: the engine client, the actor for custody, the clock,
/// the logger (stderr) and the console (stdout). Built by hand, once per invocation.
/// </summary>
internal sealed class CliContext : IDisposable
{
    private readonly Func<IContainerEngine> engineFactory;
    private IContainerEngine? engine;

    public CliContext(ParseResult parseResult, Func<IContainerEngine>? engineFactory)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var config = parseResult.InvocationConfiguration;
        Out = config.Output;
        Err = config.Error;
        IsTerminal = ReferenceEquals(Out, System.Console.Out) && !System.Console.IsOutputRedirected;
        Debug = parseResult.GetValue(GlobalOptions.Debug);
        var level = Debug ? LogEventLevel.Debug : parseResult.GetValue(GlobalOptions.Quiet) ? LogEventLevel.Warning : LogEventLevel.Information;
        // The command's own events also go into the case it writes to (logs/dockerir.clef), whatever goes to stderr.
        var caseLog = new CaseLog();
        CaseLog.Current = caseLog;
        // --quiet quiets stderr only: the case keeps the information events.
        Log = new LoggerConfiguration()
            .MinimumLevel.Is(Debug ? LogEventLevel.Debug : LogEventLevel.Information)
            .WriteTo.Sink(parseResult.GetValue(GlobalOptions.LogJson) ? new TextWriterSink(Err, new CompactJsonFormatter()) : new TextWriterSink(Err, Debug), level)
            .WriteTo.Sink(caseLog)
            .CreateLogger();
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsTerminal)
        {
            // To a pipe or a file: as wide as COLUMNS says (what the shell exports for the terminal the pipe ends in), else 120.
            Ansi.Profile.Width = PipeWidth(Environment.GetEnvironmentVariable("COLUMNS"));
        }

        if (ReferenceEquals(Err, System.Console.Error) && !System.Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb")
        {
            ProgressConsole = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(Err),
                Ansi = AnsiSupport.Detect,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Yes,
            });
        }

        this.engineFactory = engineFactory ?? (() => DockerEngineFactory.FromEnvironment(Log));
    }

    /// <summary>The width of tables written to a pipe or a file: COLUMNS when it is a sensible number, else 120.</summary>
    internal static int PipeWidth(string? columns) =>
        int.TryParse(columns, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 40 and <= 1000 ? n : 120;

    public static string ToolVersion { get; } =
        typeof(CliContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public bool IsTerminal { get; }

    public bool Debug { get; }

    public ILogger Log { get; }

    /// <summary>The Spectre console over <see cref="Out"/> (plain text when it is not a terminal).</summary>
    public IAnsiConsole Ansi { get; }

    public TimeProvider Clock { get; } = TimeProvider.System;

    public Actor Actor { get; } = Actor.FromEnvironment(ToolVersion);

    /// <summary>The engine client, created on first use (so a malformed DOCKER_HOST fails inside the command's error handling).</summary>
    public IContainerEngine Engine => engine ??= engineFactory();

    /// <summary>
    /// Where raw bytes go: stdout itself when it is not a terminal; on a terminal, a filter that shows control
    /// characters as escapes so hostile content cannot drive the terminal; in tests, the captured writer.
    /// </summary>
    public Stream OpenBinaryOutput()
    {
        if (!ReferenceEquals(Out, System.Console.Out))
        {
            return new TextWriterStream(Out, escape: false);
        }

        var stdout = System.Console.OpenStandardOutput();
        return IsTerminal ? new TextWriterStream(new StreamWriter(stdout) { AutoFlush = true }, escape: true) : stdout;
    }

    /// <summary>
    /// Progress goes to stderr when stderr is a terminal (whatever stdout is: a file, a pipe, --json), so it never
    /// mixes with results; null otherwise.
    /// </summary>
    public IAnsiConsole? ProgressConsole { get; }

    /// <summary>Runs long work under one status line on stderr when it is a terminal ("Title: step"); plainly otherwise.</summary>
    public async Task<T> WithStatusAsync<T>(string title, Func<IProgress<string>?, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (ProgressConsole is null)
        {
            return await work(null);
        }

        return await ProgressConsole.Status().StartAsync($"{title}: starting", async status =>
            await work(new Progress<string>(step => status.Status($"{title}: {Markup.Escape(step)}"))));
    }

    public void Dispose()
    {
        engine?.Dispose();
        (Log as IDisposable)?.Dispose();
    }
}

/// <summary>Writes log events as one line each to the invocation's error writer (so tests can capture them): text, or CLEF with --log-json.</summary>
internal sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    /// <summary>Text; with --debug the time has milliseconds: engine requests and steps are told apart by them.</summary>
    public TextWriterSink(TextWriter writer, bool milliseconds)
        : this(writer, new MessageTemplateTextFormatter(milliseconds ? "{Timestamp:HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}" : "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}"))
    {
    }

    private readonly Lock gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (gate)
        {
            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}

/// <summary>Options every verb takes.</summary>
internal static class GlobalOptions
{
    public static Option<bool> Debug { get; } = new("--debug") { Description = "Verbose logs, and stack traces for unexpected errors", Recursive = true };

    public static Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Log warnings and errors only", Recursive = true };

    public static Option<bool> LogJson { get; } = new("--log-json") { Description = "Write the log to stderr as Serilog CLEF (one JSON object per line) for log shippers, not as text", Recursive = true };
}

/// <summary>Bytes to a text writer: decoded as UTF-8, optionally with control characters (but newline and tab) escaped.</summary>
internal sealed class TextWriterStream(TextWriter writer, bool escape) : Stream
{
    private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        var chars = new char[decoder.GetCharCount(buffer, offset, count)];
        decoder.GetChars(buffer, offset, count, chars, 0);
        if (!escape)
        {
            writer.Write(chars);
            return;
        }

        foreach (var c in chars)
        {
            if (c is '\n' or '\t' || !char.IsControl(c))
            {
                writer.Write(c);
            }
            else
            {
                writer.Write($"\\x{(int)c:x2}");
            }
        }
    }

    public override void Flush() => writer.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
