using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir diff CONTAINER`: the change set, classified. Reads /changes only; changes nothing.</summary>
internal static class DiffCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var container = CliSymbols.Container();
        var json = CliSymbols.Json("Print a JSON array of {path, kind, classification, reasons, parentOnly}");
        var command = new Command("diff", "List the container's added (A), changed (C) and deleted (D) paths, classified runtime or suspicious")
        {
            container,
            json,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var inspect = await ctx.Engine.InspectContainerAsync(parse.GetRequiredValue(container), ct);
            var changes = ChangeClassifier.Classify(await ctx.Engine.GetChangesAsync(inspect.Id, ct));
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, changes, CaseJson.Indented.IReadOnlyListClassifiedChange);
            }
            else
            {
                ctx.Ansi.MarkupLine($"Changes of [bold]{Render.Safe(inspect.Name)}[/] ({Render.ShortId(inspect.Id)}, image {Render.Safe(inspect.ImageReference)}):");
                Render.Changes(ctx.Ansi, changes);
            }

            return Verdict.Success;
        });
        return command;
    }
}
