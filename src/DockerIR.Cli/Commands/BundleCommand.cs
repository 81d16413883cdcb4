using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Views;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir bundle CASE_DIR [-o FILE]`: SHA256SUMS, then one .tar.gz and its .sha256.</summary>
internal static class BundleCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var caseDir = new Argument<string>("CASE_DIR") { Description = "The case directory to seal" };
        var output = new Option<string?>("--output", "-o") { HelpName = "FILE", Description = "The bundle to write (default CASE_DIR.tar.gz, beside the case)" };
        var sign = CliSymbols.Sign();
        var json = CliSymbols.Json();
        var command = new Command("bundle", "Seal a case: SHA256SUMS over every file, one .tar.gz of the case and FILE.sha256 beside it (and FILE.sig with --sign)")
        {
            caseDir, output, sign, json,
        };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var result = await ctx.WithStatusAsync("Bundle", progress =>
                new BundleWorkflow(ctx.Actor, ctx.Clock, ctx.Log, CaseViews.Refresher(ctx.Clock, ctx.Log)).RunAsync(parse.GetRequiredValue(caseDir), parse.GetValue(output), ct,
                    CliSymbols.SigningKey(parse, sign), progress));
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, result, EvidenceJson.Indented.BundleResult);
            }
            else
            {
                ctx.Ansi.MarkupLine($"[green]Bundle written[/]: {Render.Safe(result.BundlePath)}");
                ctx.Ansi.MarkupLine($"  sha256 {result.Sha256} ({result.Bytes} bytes, {result.Files} files, {result.Seconds:0.00} s)");
                if (result.Signature is { } sig)
                {
                    ctx.Ansi.MarkupLine($"  signed: {Render.Safe(sig)} by {result.SignerFingerprint}");
                }
            }

            return ExitCodes.Evidence(result.EvidenceComplete, result.Incomplete ?? "");
        });
        return command;
    }
}
