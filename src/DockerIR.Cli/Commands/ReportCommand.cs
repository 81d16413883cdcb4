using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Views;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir report CASE_OR_BUNDLE`: the case's report as it stands now (Markdown, or one self-contained HTML page).</summary>
internal static class ReportCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("CASE_DIR_OR_BUNDLE") { Description = "A case directory or a bundle" };
        var format = new Option<string>("--format") { Description = "md (Markdown) or html (one self-contained page)", DefaultValueFactory = _ => "md" };
        format.AcceptOnlyFromAmong("md", "html");
        var html = new Option<bool>("--html") { Description = "Old spelling of --format html", Hidden = true };
        var output = new Option<string?>("--output", "-o") { HelpName = "FILE", Description = "Write to this file (atomically) instead of stdout" };
        var pdf = new Option<string?>("--pdf")
        {
            HelpName = "FILE",
            Description = $"Also print the HTML page to this PDF file with headless Chromium (on PATH, or ${ReportPdf.ChromiumVariable}); nothing on stdout then unless -o is given too",
        };
        var unverified = CliSymbols.Unverified();
        var command = new Command("report", "Print a case's report from its records (checked against its hashes first): container, timeline, findings, audit, evidence hashes, containment and redeploy")
        {
            target, format, html, output, pdf, unverified,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(html) is not null && r.GetResult(format) is not null && r.GetValue(format) != "html")
            {
                r.AddError("--html (the old spelling of --format html) contradicts --format md");
            }
        });
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var (title, document) = await CaseReport.OfAsync(CliSymbols.ViewContent(parse, target, unverified, ctx), ctx.Clock.GetUtcNow(), ct);
            if (parse.GetValue(unverified))
            {
                title = $"{CaseContent.UnverifiedMark} (not checked against the case's hashes): " + title;
                document.Mark = CaseContent.UnverifiedMark;
            }

            if (parse.GetValue(pdf) is { } pdfPath)
            {
                await ReportPdf.PrintAsync(document.ToHtml(title), pdfPath, ct);
                ctx.Log.ReportPrinted(parse.GetRequiredValue(target), pdfPath);
                if (parse.GetValue(output) is null)
                {
                    return Verdict.Success;
                }
            }

            var text = parse.GetValue(html) || parse.GetValue(format) == "html" ? document.ToHtml(title) : document.ToMarkdown();
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
