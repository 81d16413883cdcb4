using System.CommandLine;
using DockerIR.Core.Audit;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Snapshot;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir snapshot CONTAINER`: volatile state, then pause, change set and a labelled evidence commit.</summary>
internal static class SnapshotCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var container = CliSymbols.Container();
        var caseDir = CliSymbols.CaseDir("Case directory to create (default ./cases/<case-id>); must not exist or be empty");
        var unpause = new Option<bool>("--unpause") { Description = "Resume the container after the commit (default: leave it paused)" };
        var logTail = CliSymbols.Number("--log-tail", "How many of the last log lines to keep", 10_000, 1, 10_000_000);
        var (memory, memoryMax) = CliSymbols.Memory();
        var json = CliSymbols.Json();
        var command = new Command("snapshot", "Capture a container's volatile state and commit its filesystem as a labelled evidence image (never execs into it)")
        {
            container,
            caseDir,
            unpause,
            logTail,
            memory,
            memoryMax,
            json,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var request = new SnapshotRequest(parse.GetRequiredValue(container))
            {
                CaseDir = parse.GetValue(caseDir),
                Unpause = parse.GetValue(unpause),
                LogTailLines = parse.GetValue(logTail),
                Memory = MemorySelection.Parse(parse.GetValue(memory), parse.GetValue(memoryMax)),
            };
            var workflow = new SnapshotWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, AuditReports.Of);
            var result = await ctx.WithStatusAsync("Snapshot", progress => workflow.RunAsync(request, progress, ct));

            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, result, SnapshotJson.Indented.SnapshotResult);
                return Verdict.Success;
            }

            Print(ctx.Ansi, result);
            return Verdict.Success;
        });
        return command;
    }

    private static void Print(IAnsiConsole console, SnapshotResult r)
    {
        console.MarkupLine($"[green]Snapshot taken[/]: case [bold]{Render.Safe(r.CaseId)}[/]");
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("case directory", Render.Safe(r.CaseDir));
        grid.AddRow("container", $"{Render.Safe(r.ContainerName)} ({Render.ShortId(r.ContainerId)})");
        grid.AddRow("original image", Render.Safe(r.OriginalImage));
        grid.AddRow("evidence image", $"{Render.Safe(r.EvidenceImageTag)} ({Render.ShortId(r.EvidenceImageId)})");
        if (r.Volatile is { } v)
        {
            grid.AddRow("processes", $"{v.Processes} ({v.Programs} programs stored, {v.DeletedPrograms} deleted), {v.Sockets} sockets ({v.Established} established)"
                + (v.MemoryDumps > 0 ? $", memory of {v.MemoryDumps} ({v.MemoryBytes} bytes)" : ""));
        }

        grid.AddRow("container state", r.Paused ? "paused (resume with --unpause or docker unpause)" : "running");
        console.Write(grid);
        Render.Changes(console, r.Changes);
        foreach (var w in r.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Render.Safe(w)}");
        }
    }
}
