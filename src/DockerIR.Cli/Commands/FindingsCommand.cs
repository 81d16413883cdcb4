using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Views;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir findings CASE_OR_BUNDLE`: the triage findings extraction wrote (findings.json).</summary>
internal static class FindingsCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("CASE_DIR_OR_BUNDLE") { Description = "A case directory or a bundle" };
        var json = CliSymbols.Json("Print findings.json as it is (as --format json)");
        var format = new Option<string>("--format")
        {
            Description = "table; json (findings.json as it is); jsonl or csv (one finding a line, with the case, container, image, file SHA-256 and time); sarif (SARIF 2.1.0 for code scanning)",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "jsonl", "csv", "sarif");
        var min = new Option<string>("--min-severity") { Description = "Only findings at or above: low, medium or high", DefaultValueFactory = _ => "low" };
        min.AcceptOnlyFromAmong("low", "medium", "high");
        var failOn = CliSymbols.FailOn("a finding", " (for CI)");
        var unverified = CliSymbols.Unverified();
        var command = new Command("findings", "Print the triage findings of a case or bundle (checked against its hashes first): web shells, defacement, executables, persistence, tampering, container risks")
        {
            target, json, format, min, failOn, unverified,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var content = CliSymbols.ViewContent(parse, target, unverified, ctx);
            var records = await CaseRecords.ReadAsync(content, [CaseDirectory.InspectFile, AuditReport.FileName, RedeployPlan.FileName,
                ProcessesRecord.FileName, ProcessesRecord.SocketsFile, CaseDirectory.CustodyFile, CaseDirectory.CustodyAfterSealFile], ct);
            var report = records.Triage
                ?? throw new DockerIRException(FailureKind.NotFound, $"{content.Location} has no {TriageReport.FileName}: extract the case first ('dockerir extract')");
            var all = report.Findings;
            var floor = Enum.Parse<Severity>(parse.GetValue(min)!, ignoreCase: true);
            report = report with { Findings = [.. report.Findings.Where(f => f.Severity >= floor)] };
            var chosen = parse.GetValue(json) ? "json" : parse.GetValue(format)!;
            var marked = parse.GetValue(unverified);
            var rows = FindingsExport.Rows(report, records.Case, records.Manifest);
            rows = marked ? FindingsExport.MarkUnverified(rows) : rows;
            switch (chosen)
            {
                case "json" when marked:
                    // findings.json as it is, with the mark at its top.
                    var node = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(report, CaseJson.Indented.TriageReport))!.AsObject();
                    node.Insert(0, "unverified", true);
                    await ctx.Out.WriteLineAsync(node.ToJsonString(CaseJson.Indented.Options));
                    break;
                case "json":
                    await CliJson.WriteAsync(ctx.Out, report, CaseJson.Indented.TriageReport);
                    break;
                case "jsonl":
                    await ctx.Out.WriteAsync(FindingsExport.ToJsonLines(rows));
                    break;
                case "csv":
                    await ctx.Out.WriteAsync(FindingsExport.ToCsv(rows));
                    break;
                case "sarif":
                    await ctx.Out.WriteAsync(System.Text.Encoding.UTF8.GetString(FindingsExport.ToSarif(report, rows)));
                    await ctx.Out.WriteLineAsync();
                    break;
                default:
                    Render.Findings(ctx.Ansi, report.Findings, marked ? CaseContent.UnverifiedMark : null);
                    break;
            }

            await ctx.Out.FlushAsync(ct);
            var threshold = CliSymbols.Threshold(parse, failOn);
            return ExitCodes.Audited(threshold is { } th ? all.Count(f => f.Severity >= th) : 0, threshold, "findings");

        });
        return command;
    }
}
