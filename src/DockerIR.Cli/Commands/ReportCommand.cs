using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Triage;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir report CASE_OR_BUNDLE`: the case's report as it stands now (Markdown, or one self-contained HTML page).</summary>
internal static class ReportCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("CASE_DIR_OR_BUNDLE") { Description = "A case directory or a bundle" };
        var html = new Option<bool>("--html") { Description = "A self-contained HTML page instead of Markdown" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of stdout" };
        var command = new Command("report", "Print a case's report from its records: container, timeline, findings, audit, evidence hashes, containment and redeploy")
        {
            target, html, output,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var (title, document) = await CaseReport.OfAsync(CaseContent.Open(parse.GetRequiredValue(target)), ctx.Clock.GetUtcNow(), ct);
            var text = parse.GetValue(html) ? document.ToHtml(title) : document.ToMarkdown();
            if (parse.GetValue(output) is { } path)
            {
                await CliFiles.WriteAtomicAsync(path, System.Text.Encoding.UTF8.GetBytes(text), ct);
            }
            else
            {
                await ctx.Out.WriteAsync(text);
                await ctx.Out.FlushAsync(ct);
            }

            return Verdict.Success;
        });
        return command;
    }
}
