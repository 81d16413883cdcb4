using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Extraction;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir extract CASE_DIR`: the change set and its originals into hashed PAX tars and a manifest.</summary>
internal static class ExtractCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var caseDir = new Argument<string>("CASE_DIR") { Description = "The case directory 'dockerir snapshot' wrote" };
        var source = CliSymbols.Enum("--source", "Where to read entries: auto (the layer on disk when the engine is local, else the archive endpoint), layer, archive", StepSpec.Sources);
        var maxFile = CliSymbols.Size("--max-file-size", "Largest file stored (bytes, or with K/M/G suffix)", ExtractionLimits.Default.MaxFileSize);
        var maxTotal = CliSymbols.Size("--max-total-size", "Most content bytes stored in all (bytes, or with K/M/G suffix)", ExtractionLimits.Default.MaxTotalSize);
        var maxEntries = CliSymbols.Number("--max-entries", "Most tar members stored", ExtractionLimits.Default.MaxEntries, 1, int.MaxValue);
        var json = CliSymbols.Json();
        var command = new Command("extract", "Store every added and changed file, and the original of every changed or deleted one, as hashed PAX tars with a manifest")
        {
            caseDir, source, maxFile, maxTotal, maxEntries, json,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var request = new ExtractRequest(parse.GetRequiredValue(caseDir))
            {
                Source = parse.GetValue(source),
                Limits = new ExtractionLimits(parse.GetValue(maxFile), parse.GetValue(maxTotal), parse.GetValue(maxEntries)),
                Analyse = CaseAnalysis.For(ctx.Actor, ctx.Clock, ctx.Log),
            };
            var workflow = new ExtractWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log);
            ExtractResult result;
            if (ctx.ProgressConsole is { } console)
            {
                result = await console.Progress().StartAsync(async progressContext =>
                {
                    var task = progressContext.AddTask("extract", maxValue: 1);
                    var progress = new Progress<ExtractProgress>(p =>
                    {
                        task.Description = $"extract: {p.Phase}";
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = Math.Min(p.Entries, p.Total);
                    });
                    var r = await workflow.RunAsync(request, progress, ct);
                    task.Value = task.MaxValue;
                    return r;
                });
            }
            else
            {
                result = await workflow.RunAsync(request, null, ct);
            }

            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, result, ExtractionJson.Indented.ExtractResult);
            }
            else
            {
                Print(ctx.Ansi, result);
            }

            return ExitCodes.Evidence(result.Complete, $"{result.Gaps.Count} gaps: evidence not stored or not read (see manifest.json gaps)");
        });
        return command;
    }


    private static void Print(IAnsiConsole console, ExtractResult r)
    {
        console.MarkupLine($"{(r.Complete ? "[green]Extracted[/]" : "[yellow]Extracted with gaps[/]")}: case [bold]{Render.Safe(r.CaseId)}[/]");
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("entries", r.Entries.ToString());
        grid.AddRow("stored", $"{r.StoredMembers} tar members, {r.StoredBytes} content bytes");
        grid.AddRow("read from", $"{Render.Safe(r.AfterSource)} (originals: {Render.Safe(r.BeforeSource)})");
        grid.AddRow("diffs", r.Diffs.ToString());
        grid.AddRow("time", $"{r.Seconds:0.00} s");
        console.Write(grid);
        foreach (var gap in r.Gaps.Take(20))
        {
            console.MarkupLine($"[yellow]gap[/]: {Render.Safe(gap)}");
        }

        if (r.Gaps.Count > 20)
        {
            console.MarkupLine($"[yellow]... and {r.Gaps.Count - 20} more gaps in manifest.json[/]");
        }

        if (r.Findings is { } findings)
        {
            Render.Findings(console, findings);
        }
        else
        {
            console.MarkupLine("[yellow]triage did not run (see custody.jsonl); the evidence is stored[/]");
        }
    }
}
