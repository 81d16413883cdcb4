using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Audit;
using DockerIR.Core.Engine;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir audit [CONTAINER...]`: hardening checks from each container's inspect; never runs anything in it.</summary>
internal static class AuditCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var containers = new Argument<string[]>("CONTAINER") { Description = "Containers to audit (names, ids or unambiguous id prefixes)", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Audit every container, running or not" };
        var labels = new Option<string[]>("--label") { HelpName = "KEY[=VALUE]", Description = "Audit the containers carrying this label, KEY or KEY=VALUE (repeatable; all must match)" };
        var json = CliSymbols.Json("Print the report as JSON");
        var sarif = new Option<string?>("--sarif") { HelpName = "FILE", Description = "Also write the report as SARIF 2.1.0 to this file" };
        var failOn = CliSymbols.FailOn("a finding");
        var command = new Command("audit", "Check containers' configuration against the CIS Docker Benchmark's runtime concerns (privileged, capabilities, mounts, namespaces, limits, read-only, ...)")
        {
            containers, all, labels, json, sarif, failOn,
        };
        command.Validators.Add(r =>
        {
            var named = r.GetValue(containers) is { Length: > 0 };
            var selected = r.GetValue(all) || r.GetValue(labels) is { Length: > 0 };
            if (named == selected)
            {
                r.AddError("give CONTAINER names, or --all, or --label KEY=VALUE (one way of choosing)");
            }
        });
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var references = parse.GetValue(containers) is { Length: > 0 } names
                ? names.ToList()
                : (await ctx.Engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: parse.GetValue(labels) is { Length: > 0 } l ? l : null), ct))
                    .OrderBy(c => c.Names.Count > 0 ? c.Names[0] : c.Id, StringComparer.Ordinal).Select(c => c.Id).ToList();
            var inspected = new List<ContainerInspection>();
            foreach (var reference in references)
            {
                inspected.Add(await ctx.Engine.InspectContainerAsync(reference, ct));
            }

            var report = AuditReports.Of(inspected, ctx.Clock.GetUtcNow(), ctx.Actor.ToolVersion);
            if (parse.GetValue(sarif) is { } sarifPath)
            {
                await CliFiles.WriteAtomicAsync(sarifPath, report.ToSarif(), ct);
            }

            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, report, CaseJson.Indented.AuditReport);
            }
            else
            {
                Render.Audit(ctx.Ansi, report);
            }

            var threshold = CliSymbols.Threshold(parse, failOn);
            return ExitCodes.Audited(threshold is { } t ? report.AllFindings.Count(f => f.AtLeast(t)) : 0, threshold);
        });
        return command;
    }
}
