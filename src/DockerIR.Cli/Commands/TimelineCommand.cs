using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Views;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir timeline CASE_OR_BUNDLE`: every change and lifecycle event, sorted, as a bodyfile, CSV or JSON Lines.</summary>
internal static class TimelineCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("CASE_DIR_OR_BUNDLE") { Description = "A case directory or a bundle" };
        var format = new Option<string>("--format")
        {
            Description = "body (Sleuth Kit bodyfile, for mactime), csv or jsonl (with nanoseconds), timesketch (CSV for Timesketch: message, datetime, timestamp_desc)",
            DefaultValueFactory = _ => "body",
        };
        format.AcceptOnlyFromAmong("body", "csv", "jsonl", "timesketch");
        var unverified = CliSymbols.Unverified();
        var command = new Command("timeline", "Print a case's timeline (checked against its hashes first): change-set entries by modification time merged with the container's lifecycle and the response's actions")
        {
            target, format, unverified,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var events = await Timeline.OfAsync(CliSymbols.ViewContent(parse, target, unverified, ctx), ct);
            var marked = parse.GetValue(unverified);
            await ctx.Out.WriteAsync(parse.GetValue(format) switch
            {
                "csv" => Timeline.ToCsv(events, marked),
                "jsonl" => Timeline.ToJsonLines(events, marked),
                "timesketch" => Timeline.ToTimesketchCsv(events, marked),
                _ => Timeline.ToBody(events, marked),
            });
            await ctx.Out.FlushAsync(ct);
            return Verdict.Success;
        });
        return command;
    }
}
