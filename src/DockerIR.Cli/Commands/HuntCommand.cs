using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Hunt;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir hunt`: where else? Sweep containers (and images) for what one case found, without touching them.</summary>
internal static class HuntCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var containers = new Argument<string[]>("CONTAINER") { Description = "Containers to sweep (names, ids or unambiguous id prefixes)", Arity = ArgumentArity.ZeroOrMore };
        var cases = new Option<string[]>("--case") { HelpName = "CASE_DIR|BUNDLE", Description = "A case (directory or bundle, checked against its hashes) whose indicators to hunt for (repeatable)" };
        var iocs = new Option<string[]>("--ioc") { HelpName = "FILE", Description = "An IOC file (YAML or JSON: hashes, paths, patterns; docs/hunt.md) to hunt for (repeatable)" };
        var all = new Option<bool>("--all") { Description = "Sweep every container, running or not" };
        var labels = new Option<string[]>("--label") { HelpName = "KEY[=VALUE]", Description = "Sweep the containers carrying this label (repeatable; all must match)" };
        var images = new Option<bool>("--images") { Description = "Also sweep every image's layers on this host for the indicators' hashes and names (a trojaned image is found with every container from it)" };
        var json = CliSymbols.Json("Print the hunt report as JSON (a playbook run takes it as its targets)");
        var sarif = new Option<string?>("--sarif") { HelpName = "FILE", Description = "Also write the matches as SARIF 2.1.0 to this file" };
        var output = new Option<string?>("--output", "-o") { HelpName = "FILE", Description = "Also write the hunt report (JSON) to this file, for 'playbook run --targets-from'" };
        var failOn = CliSymbols.FailOn("a match");
        var parallel = CliSymbols.Number("--parallel", "Containers swept at once", 4, 1, 64);
        var source = CliSymbols.Enum("--source", "Where container files are read: auto (the upper directory when the engine is local, else the archive endpoint), layer, archive",
            Core.Response.StepSpec.Sources);
        var command = new Command("hunt", "Where else? Sweep containers (and with --images every image) for a case's indicators: the same files, the names it dropped, the triage rules; nothing is paused or changed")
        {
            containers, cases, iocs, all, labels, images, json, sarif, output, failOn, parallel, source,
        };
        command.Validators.Add(r =>
        {
            var named = r.GetValue(containers) is { Length: > 0 };
            var selected = r.GetValue(all) || r.GetValue(labels) is { Length: > 0 };
            if (named && selected)
            {
                r.AddError("give CONTAINER names, or --all, or --label KEY=VALUE (one way of choosing)");
            }
            else if (!named && !selected && !r.GetValue(images))
            {
                r.AddError("say what to sweep: CONTAINER names, --all, --label KEY=VALUE, or --images");
            }

            if (r.GetValue(cases) is not { Length: > 0 } && r.GetValue(iocs) is not { Length: > 0 })
            {
                r.AddError("give the indicators: --case CASE_DIR|BUNDLE or --ioc FILE");
            }
        });
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var indicators = new Indicators();
            foreach (var c in parse.GetValue(cases) ?? [])
            {
                await indicators.AddCaseAsync(c, ct);
            }

            foreach (var f in parse.GetValue(iocs) ?? [])
            {
                indicators.AddIocFile(f);
            }

            var references = parse.GetValue(containers) is { Length: > 0 } names
                ? names.ToList()
                : parse.GetValue(all) || parse.GetValue(labels) is { Length: > 0 }
                    ? (await ctx.Engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: parse.GetValue(labels) is { Length: > 0 } l ? l : null), ct))
                        .OrderBy(c => c.Names.Count > 0 ? c.Names[0] : c.Id, StringComparer.Ordinal).Select(c => c.Id).ToList()
                    : [];
            var request = new HuntRequest(indicators, references, parse.GetValue(images)) { Parallel = parse.GetValue(parallel), Source = parse.GetValue(source) };
            var report = await ctx.WithStatusAsync("Hunt", progress => new HuntWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log).RunAsync(request, progress, ct));
            if (parse.GetValue(output) is { } file)
            {
                await CliFiles.WriteAtomicAsync(file, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report, HuntJson.Indented.HuntReport), ct);
            }

            if (parse.GetValue(sarif) is { } sarifPath)
            {
                await CliFiles.WriteAtomicAsync(sarifPath, report.ToSarif(), ct);
            }

            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, report, HuntJson.Indented.HuntReport);
            }
            else
            {
                Render.Hunt(ctx.Ansi, report);
            }

            var threshold = CliSymbols.Threshold(parse, failOn);
            return ExitCodes.Audited(threshold is { } th ? report.AllMatches.Count(m => m.Severity >= th) : 0, threshold, "hunt");
        });
        return command;
    }
}
