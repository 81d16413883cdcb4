using System.CommandLine;
using DockerIR.Cli.Commands;
using DockerIR.Core.Engine;

namespace DockerIR.Cli;

/// <summary>The dockerir executable.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) =>
        RunAsync(args, Console.Out, Console.Error, engineFactory: null, CancellationToken.None);

    /// <summary>Parses and runs one invocation; tests call this with their own writers and engine.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<IContainerEngine>? engineFactory, CancellationToken cancellationToken)
    {
        var root = BuildRootCommand(engineFactory);
        var parse = root.Parse(args);
        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    internal static RootCommand BuildRootCommand(Func<IContainerEngine>? engineFactory)
    {
        var root = new RootCommand("DockerIR: incident response for compromised Docker containers. Snapshot, extract, bundle, contain, redeploy.")
        {
            GlobalOptions.Debug,
            GlobalOptions.Quiet,
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
        root.Add(ContainCommand.Create(engineFactory));
        root.Add(RedeployCommand.Create(engineFactory));
        root.Add(RespondCommand.Create(engineFactory));
        root.Add(PlaybookCommand.Create(engineFactory));
        root.Add(DemoCommand.Create(engineFactory));
        return root;
    }
}
