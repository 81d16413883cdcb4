using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir contain CONTAINER [--undo]`: disconnect from every network and pause, recorded so it can be undone.</summary>
internal static class ContainCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var container = CliSymbols.Container();
        var caseDir = CliSymbols.CaseDir("The case to record the containment in (default: the container's latest case under ./cases, or a new one)");
        var undo = new Option<bool>("--undo") { Description = "Reconnect the networks contain removed and unpause it if contain paused it" };
        var json = CliSymbols.Json();
        var command = new Command("contain", "Isolate a container without destroying it: disconnect it from every network and pause it")
        {
            container, caseDir, undo, json,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var workflow = new ContainmentWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log);
            var name = parse.GetRequiredValue(container);
            var result = parse.GetValue(undo)
                ? await workflow.UndoAsync(name, parse.GetValue(caseDir), CaseLocator.DefaultRoot, ct)
                : await workflow.ContainAsync(name, parse.GetValue(caseDir), CaseLocator.DefaultRoot, ct);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, result, RedeployJson.Indented.ContainmentResult);
                return Verdict.Success;
            }

            ctx.Ansi.MarkupLine($"{(result.Undo ? "[green]Containment undone[/]" : "[green]Contained[/]")}: {Render.Safe(result.ContainerName)} ({Render.ShortId(result.ContainerId)}), case {Render.Safe(result.CaseDir)}");
            foreach (var action in result.Actions.DefaultIfEmpty("nothing to change"))
            {
                ctx.Ansi.MarkupLine($"  {Render.Safe(action)}");
            }

            return Verdict.Success;
        });
        return command;
    }
}
