using System.CommandLine;
using System.Text;
using DockerIR.Core;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir show CASE_OR_BUNDLE PATH`: one stored file to stdout, or its metadata with --stat.</summary>
internal static class ShowCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("CASE_DIR_OR_BUNDLE") { Description = "A case directory or a bundle" };
        var path = new Argument<string?>("PATH") { Description = "The path in the container, e.g. /var/www/html/shell.php", Arity = ArgumentArity.ZeroOrOne };
        var process = new Option<int?>("--process")
        {
            Description = "Print one process of the snapshot's volatile capture (JSON: record, program, sockets, memory dump) instead of a file; a host pid, or else a pid inside the container",
            HelpName = "PID",
        };
        var before = new Option<bool>("--before") { Description = "Show the original from the image instead of the container's version" };
        var stat = new Option<bool>("--stat") { Description = "Print the entry's metadata (JSON) instead of its content" };
        var command = new Command("show", "Print one stored file (or with --process one process) of a case or bundle to stdout, without unpacking anything to disk")
        {
            target, path, before, stat, process,
        };
        command.Validators.Add(result =>
        {
            var hasPath = result.GetValue(path) is not null;
            var hasProcess = result.GetValue(process) is not null;
            if (hasPath == hasProcess)
            {
                result.AddError(hasPath ? "give either PATH or --process, not both" : "give a PATH to show, or --process PID");
            }
        });
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var location = parse.GetRequiredValue(target);
            if (parse.GetValue(process) is { } pid)
            {
                var view = await ShowWorkflow.FindProcessAsync(location, pid, ct);
                await CliJson.WriteAsync(ctx.Out, view, EvidenceJson.Indented.ProcessView);
                return Verdict.Success;
            }

            var (record, manifest) = await ShowWorkflow.FindAsync(location, parse.GetValue(path)!, parse.GetValue(before), ct);
            if (parse.GetValue(stat))
            {
                await CliJson.WriteAsync(ctx.Out, record, CaseJson.Indented.FileRecord);
                return Verdict.Success;
            }

            await using var output = ctx.OpenBinaryOutput();
            await ShowWorkflow.CopyAsync(location, record, manifest, output, ct);
            return Verdict.Success;
        });
        return command;
    }
}
