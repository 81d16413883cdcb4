using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir verify BUNDLE_OR_CASE_DIR [--signer ALLOWED_SIGNERS --identity NAME]`: re-hash everything (and check the signature) and name what does not match.</summary>
internal static class VerifyCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var target = new Argument<string>("BUNDLE_OR_CASE_DIR") { Description = "A bundle (.tar.gz) or a case directory" };
        var signer = new Option<string?>("--signer")
        {
            Description = "An allowed_signers file (as ssh-keygen -Y verify takes it): the bundle's BUNDLE.sig must be a good signature by a key it allows for --identity",
            HelpName = "ALLOWED_SIGNERS",
        };
        var identity = new Option<string?>("--identity") { Description = "Who must have signed (a principal of the allowed_signers file), with --signer", HelpName = "NAME" };
        var json = CliSymbols.Json();
        var command = new Command("verify", "Check a bundle against its .sha256, every file against SHA256SUMS and every manifest entry against its tar member")
        {
            target, signer, identity, json,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(signer) is null) != (r.GetValue(identity) is null))
            {
                r.AddError("--signer and --identity go together");
            }
        });
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var result = await ctx.WithStatusAsync("Verify", progress => VerifyWorkflow.RunAsync(parse.GetRequiredValue(target), ct,
                parse.GetValue(signer) is { } allowed ? (allowed, parse.GetValue(identity)!) : null, progress));
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(ctx.Out, result, EvidenceJson.Indented.VerifyResult);
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
