using System.CommandLine;
using DockerIR.Cli.Commands;
using DockerIR.Core.Engine;

namespace DockerIR.Cli;

/// <summary>The dockerir executable.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var termination = Termination.Install();
        return await RunAsync(args, Console.Out, Console.Error, engineFactory: null, termination.Token);
    }

    /// <summary>Parses and runs one invocation; tests call this with their own writers and engine.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<IContainerEngine>? engineFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var root = BuildRootCommand(engineFactory);
        var parse = root.Parse(args);
        if (ParseError(parse) is { } problem)
        {
            // One line and where to look, on stderr only: stdout stays clean for a pipe (| jq) even when the call is wrong.
            await error.WriteLineAsync($"dockerir: error: {Core.SafeText.Escape(problem)}");
            await error.WriteLineAsync($"see '{CommandPath(parse.CommandResult)} --help'");
            return (int)ExitCode.Usage;
        }

        // Signals are ours (Termination), not the parser's: it would answer SIGTERM with its own exit code after 2 s.
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
    }

    /// <summary>
    /// The first thing wrong with the command line, or null: a token that looks like an option where the verb takes a
    /// name or path (an unknown option, never a container or file name), else the parser's first error, preferring a
    /// specific one over the "no command given" that follows from an unknown verb.
    /// </summary>
    internal static string? ParseError(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var optionLike = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>()
            .SelectMany(a => a.Tokens).FirstOrDefault(t => t.Value.Length > 1 && t.Value[0] == '-');
        if (optionLike is not null)
        {
            return $"unknown option '{optionLike.Value}' for '{CommandPath(parse.CommandResult)}'";
        }

        if (parse.Errors.Count == 0)
        {
            return null;
        }

        var first = parse.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal)) ?? parse.Errors[0];
        var message = string.Join(' ', first.Message.Split((char[])['\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim())).TrimEnd('.');
        return message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : "the command line could not be read";
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command is RootCommand ? "dockerir" : r.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    internal static RootCommand BuildRootCommand(Func<IContainerEngine>? engineFactory)
    {
        var root = new RootCommand("DockerIR: incident response for compromised Docker containers. Snapshot, extract, bundle, contain, redeploy.")
        {
            GlobalOptions.Debug,
            GlobalOptions.Quiet,
            GlobalOptions.LogJson,
        };
        root.Add(DiffCommand.Create(engineFactory));
        root.Add(SnapshotCommand.Create(engineFactory));
        root.Add(ExtractCommand.Create(engineFactory));
        root.Add(BundleCommand.Create(engineFactory));
        root.Add(VerifyCommand.Create(engineFactory));
        root.Add(ShowCommand.Create(engineFactory));
        root.Add(FindingsCommand.Create(engineFactory));
        root.Add(TimelineCommand.Create(engineFactory));
        root.Add(ReportCommand.Create(engineFactory));
        root.Add(AuditCommand.Create(engineFactory));
        root.Add(HuntCommand.Create(engineFactory));
        root.Add(ContainCommand.Create(engineFactory));
        root.Add(RedeployCommand.Create(engineFactory));
        root.Add(RespondCommand.Create(engineFactory));
        root.Add(PlaybookCommand.Create(engineFactory));
        root.Add(DemoCommand.Create(engineFactory));
        HelpExamples.Install(root);
        return root;
    }
}
