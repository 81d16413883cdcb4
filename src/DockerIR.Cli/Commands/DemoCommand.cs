using System.CommandLine;
using DockerIR.Core;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Extraction;
using DockerIR.Core.Snapshot;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir demo`: breach a local vulnerable container and respond to it, step by step.</summary>
internal static class DemoCommand
{
    public const string ContainerName = "dockerir-demo-web";

    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var keep = new Option<bool>("--keep") { Description = "Leave the demo containers and images in place afterwards" };
        var caseDir = CliSymbols.CaseDir("Case directory for the demo's snapshot (default ./cases/<case-id>)");
        var name = new Option<string>("--name")
        {
            Description = "Name of the demo container (its image is tagged with it too)",
            DefaultValueFactory = _ => ContainerName,
        };
        name.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>() ?? "";
            if (value.Length is 0 or > 100 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || !char.IsAsciiLetterOrDigit(value[0]))
            {
                r.AddError("--name must be a container name: letters, digits, '-', '_' and '.', starting with a letter or digit");
            }
        });
        var labels = new Option<string[]>("--label")
        {
            Description = "Extra KEY=VALUE label on everything the demo creates (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        labels.Validators.Add(r =>
        {
            foreach (var l in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (l.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    r.AddError($"--label '{l}' is not KEY=VALUE");
                }
            }
        });
        var command = new Command("demo", "Build a vulnerable web container locally, breach it over HTTP, and respond to the breach")
        {
            keep,
            caseDir,
            name,
            labels,
        };
        CommandRunner.SetAction(command, engineFactory, (parse, ctx, ct) =>
        {
            var extra = (parse.GetValue(labels) ?? []).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            return RunAsync(ctx, parse.GetValue(keep), parse.GetValue(caseDir), parse.GetRequiredValue(name), extra, ct);
        });
        return command;
    }

    private static async Task<ExitCode> RunAsync(CliContext ctx, bool keep, string? caseDir, string name, Dictionary<string, string> extraLabels, CancellationToken ct)
    {
        var console = ctx.Ansi;
        var version = await ctx.Engine.GetVersionAsync(ct);
        console.MarkupLine($"[bold]1. Engine[/]: Docker {Render.Safe(version.EngineVersionText)} at {Render.Safe(ctx.Engine.Endpoint)} (API {version.NegotiatedApiVersion})");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scenario = new DemoScenario(ctx.Engine, http);
        var labels = new Dictionary<string, string>(extraLabels) { [DemoScenario.LabelDemo] = "1" };
        var tag = name == ContainerName ? "latest" : name.ToLowerInvariant();
        BreachedApp? app = null;
        string? evidenceImage = null;
        try
        {
            app = await scenario.StartAsync(name, tag, labels, ct);
            console.MarkupLine($"[bold]2. Vulnerable app[/] {app.ContainerName} serves {app.BaseAddress} (image {DemoWebApp.Repository}:{tag}, built from the host's busybox)");
            console.MarkupLine($"   index.html: {Render.Safe(FirstLine(await http.GetStringAsync(app.BaseAddress, ct)))}");

            await scenario.BreachAsync(app, ct);
            console.MarkupLine("[bold]3. Breach[/]: the attacker ran commands through /cgi-bin/eval.cgi?cmd=...");
            console.MarkupLine($"   dropped {DemoAttacker.ShellPath}, and index.html now reads: [red]{Render.Safe(FirstLine(await http.GetStringAsync(app.BaseAddress, ct)))}[/]");

            console.MarkupLine("[bold]4. What changed[/] (dockerir diff):");
            Render.Changes(console, ChangeClassifier.Classify(await ctx.Engine.GetChangesAsync(app.ContainerId, ct)));

            console.MarkupLine("[bold]5. Snapshot[/] (dockerir snapshot): volatile state, pause, change set, evidence commit");
            var result = await new SnapshotWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log)
                .RunAsync(new SnapshotRequest(app.ContainerId) { CaseDir = caseDir }, null, ct);
            evidenceImage = result.EvidenceImageId;
            console.MarkupLine($"   case {Render.Safe(result.CaseId)} in {Render.Safe(result.CaseDir)}");
            console.MarkupLine($"   evidence image {Render.Safe(result.EvidenceImageTag)} ({Render.ShortId(result.EvidenceImageId)}); container left {(result.Paused ? "paused" : "running")}");
            var suspicious = result.Changes.Where(c => c.Classification == Classification.Suspicious && !c.ParentOnly).Select(c => $"{c.Path} ({string.Join(", ", c.Reasons)})");
            console.MarkupLine($"   suspicious: {Render.Safe(string.Join("; ", suspicious))}");

            console.MarkupLine("[bold]6. Evidence[/] (dockerir extract, bundle, verify)");
            var extracted = await new ExtractWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log).RunAsync(new ExtractRequest(result.CaseDir), null, ct);
            console.MarkupLine($"   stored {extracted.StoredMembers} entries from the {extracted.AfterSource} source in {extracted.Seconds:0.00} s ({extracted.Diffs} diff of a changed text file)");
            var bundle = await new BundleWorkflow(ctx.Actor, ctx.Clock, ctx.Log).RunAsync(result.CaseDir, null, ct);
            console.MarkupLine($"   bundle: {Render.Safe(bundle.BundlePath)}");
            console.MarkupLine($"   sha256: {bundle.Sha256}");
            var verified = await VerifyWorkflow.RunAsync(bundle.BundlePath, ct);
            console.MarkupLine($"   verify: {(verified.Intact ? $"[green]OK[/], {verified.FilesChecked} files and {verified.MembersChecked} tar members match" : "[red]FAILED[/]")}");
            var (record, manifest) = await ShowWorkflow.FindAsync(bundle.BundlePath, DemoAttacker.ShellPath, before: false, ct);
            var shell = new MemoryStream();
            await ShowWorkflow.CopyAsync(bundle.BundlePath, record, manifest, shell, ct);
            console.MarkupLine($"   dockerir show {Render.Safe(Path.GetFileName(bundle.BundlePath))} {DemoAttacker.ShellPath}:");
            console.MarkupLine($"     {Render.Safe(System.Text.Encoding.UTF8.GetString(shell.ToArray()).TrimEnd())}");
            return verified.Intact ? ExitCode.Success : ExitCode.VerificationFailed;
        }
        finally
        {
            if (!keep)
            {
                await CleanUpAsync(ctx, app, evidenceImage);
            }
            else
            {
                console.MarkupLine("Kept the demo container and images (--keep).");
            }
        }
    }

    private static async Task CleanUpAsync(CliContext ctx, BreachedApp? app, string? evidenceImage)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            if (app is not null)
            {
                await ctx.Engine.RemoveContainerAsync(app.ContainerId, force: true, removeVolumes: true, cts.Token);
            }

            if (evidenceImage is not null)
            {
                await ctx.Engine.RemoveImageAsync(evidenceImage, force: true, cts.Token);
            }

            if (app is not null)
            {
                await ctx.Engine.RemoveImageAsync(app.ImageId, force: true, cts.Token);
            }

            ctx.Ansi.MarkupLine("Cleaned up the demo containers and images (the case directory stays).");
        }
        catch (DockerIRException e)
        {
            ctx.Log.Warning("Demo clean-up incomplete: {Message}", e.Message);
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.Contains("<h1>", StringComparison.Ordinal)) ?? text.Split('\n')[0];
        return line.Length > 100 ? line[..100] : line;
    }
}
