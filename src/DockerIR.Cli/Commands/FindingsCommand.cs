using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Audit;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Triage;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir findings CASE_OR_BUNDLE`: the triage findings extraction wrote (findings.json).</summary>
internal static class FindingsCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("CASE_DIR_OR_BUNDLE") { Description = "A case directory or a bundle" };
        var json = CliSymbols.Json("Print findings.json as it is");
        var min = new Option<string>("--min-severity") { Description = "Only findings at or above: low, medium or high", DefaultValueFactory = _ => "low" };
        min.AcceptOnlyFromAmong("low", "medium", "high");
        var unverified = CliSymbols.Unverified();
        var command = new Command("findings", "Print the triage findings of a case or bundle (checked against its hashes first): web shells, defacement, executables, persistence, tampering, container risks")
        {
            target, json, min, unverified,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var content = CliSymbols.ViewContent(parse, target, unverified, ctx);
            var report = await CaseRecords.ReadTriageAsync(content, ct)
                ?? throw new DockerIRException(FailureKind.NotFound, $"{content.Location} has no {TriageReport.FileName}: extract the case first ('dockerir extract')");
            var floor = Enum.Parse<Severity>(parse.GetValue(min)!, ignoreCase: true);
            report = report with { Findings = [.. report.Findings.Where(f => f.Severity >= floor)] };
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, report, CoreJsonContext.Indented.TriageReport);
            }
            else
            {
                Render.Findings(ctx.Ansi, report.Findings);
            }

            return Verdict.Success;
        });
        return command;
    }
}
