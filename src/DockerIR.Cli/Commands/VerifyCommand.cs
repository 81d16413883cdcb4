using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir verify BUNDLE_OR_CASE_DIR`: re-hash everything and name what does not match.</summary>
internal static class VerifyCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("BUNDLE_OR_CASE_DIR") { Description = "A bundle (.tar.gz) or a case directory" };
        var json = CliSymbols.Json();
        var command = new Command("verify", "Check a bundle against its .sha256, every file against SHA256SUMS and every manifest entry against its tar member")
        {
            target, json,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var result = await VerifyWorkflow.RunAsync(parse.GetRequiredValue(target), ct);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, result, CoreJsonContext.Indented.VerifyResult);
            }
            else
            {
                foreach (var p in result.Problems)
                {
                    ctx.Ansi.MarkupLine($"[red]{p.Kind.ToUpperInvariant()}[/] {Render.Safe(p.Name)}: {Render.Safe(p.Detail)}");
                }

                foreach (var note in result.Notes)
                {
                    ctx.Ansi.MarkupLine($"[yellow]note[/]: {Render.Safe(note)}");
                }

                ctx.Ansi.MarkupLine(result.Intact
                    ? $"[green]OK[/]: {result.FilesChecked} files and {result.MembersChecked} tar members match{(result.ArchiveSha256 is { } s ? $"; bundle sha256 {s}" : "")}"
                    : $"[red]FAILED[/]: {result.Problems.Count} problems in {Render.Safe(result.Location)}");
            }

            return ExitCodes.Verified(result);
        });
        return command;
    }
}
