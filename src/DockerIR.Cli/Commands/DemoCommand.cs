using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Playbooks;
using DockerIR.Core.Redeploy;
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

    private static async Task<Verdict> RunAsync(CliContext ctx, bool keep, string? caseDir, string name, Dictionary<string, string> extraLabels, CancellationToken ct)
    {
        var console = ctx.Ansi;
        var version = await ctx.Engine.GetVersionAsync(ct);
        console.MarkupLine($"[bold]1. Engine[/]: Docker {Render.Safe(version.EngineVersionText)} at {Render.Safe(ctx.Engine.Endpoint)} (API {version.NegotiatedApiVersion})");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scenario = new DemoScenario(ctx.Engine, http);
        var labels = new Dictionary<string, string>(extraLabels) { [DemoScenario.LabelDemo] = "1" };
        var tag = name == ContainerName ? "latest" : name.ToLowerInvariant();
        BreachedApp? app = null;
        string? caseId = null;
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

            console.MarkupLine("[bold]5. Respond[/] (dockerir respond --yes): snapshot (frozen first) → read-only redeploy (after a preflight) → extract → bundle → verify");
            using var probeHttp = RedeploySymbols.ProbeClient();
            var steps = RespondCommand.Steps(new RedeployOptions { Probe = ProbeSpec.Parse(app.BaseAddress.ToString(), TimeSpan.FromSeconds(30)) });
            var result = await new CaseRunner(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, probeHttp).StartAsync(app.ContainerId, caseDir, CaseLocator.DefaultRoot, "respond",
                steps, null, ct);
            caseId = result.CaseId;
            Render.RunSummary(console, result);
            if (!result.Succeeded)
            {
                return ExitCodes.Runs([result]);
            }

            console.MarkupLine($"[bold]6. The evidence[/]: dockerir show {Render.Safe(Path.GetFileName(result.BundlePath!))} {DemoAttacker.ShellPath}");
            var (record, manifest) = await ShowWorkflow.FindAsync(result.BundlePath!, DemoAttacker.ShellPath, before: false, ct);
            var shell = new MemoryStream();
            await ShowWorkflow.CopyAsync(result.BundlePath!, record, manifest, shell, ct);
            console.MarkupLine($"     {Render.Safe(System.Text.Encoding.UTF8.GetString(shell.ToArray()).TrimEnd())}");
            console.MarkupLine($"   triage (dockerir findings {Render.Safe(Path.GetFileName(result.BundlePath!))} --min-severity high):");
            var triage = await Core.Triage.CaseRecords.ReadTriageAsync(CaseContent.Open(result.BundlePath!), ct);
            Render.Findings(console, [.. (triage?.Findings ?? []).Where(f => f.Severity == Core.Audit.Severity.High)]);

            var replacement = await ctx.Engine.InspectContainerAsync(app.ContainerName, ct);
            console.MarkupLine($"[bold]7. The replacement[/] {Render.Safe(replacement.Name)} ({Render.ShortId(replacement.Id)}) runs the original image {Render.ShortId(replacement.ImageId)}: "
                + $"read-only {replacement.HostConfig.ReadonlyRootfs}, tmpfs {Render.Safe(string.Join(", ", replacement.HostConfig.Tmpfs.Keys))}, "
                + $"{Render.Safe(string.Join(", ", replacement.HostConfig.SecurityOpt))}, cap-drop {Render.Safe(string.Join(",", replacement.HostConfig.CapDrop))}");
            console.MarkupLine($"   index.html: [green]{Render.Safe(FirstLine(await http.GetStringAsync(app.BaseAddress, ct)))}[/]");

            var again = await new DemoAttacker(http).BreachAsync(app.BaseAddress, ct);
            console.MarkupLine($"[bold]8. The attack again[/]: {Render.Safe(again.Split('\n')[0])}");
            var blocked = again.Contains("Read-only file system", StringComparison.Ordinal);
            console.MarkupLine(blocked ? "   [green]the attacker can no longer write a shell or deface the site[/]" : "   [red]the attack was not blocked[/]");
            return ExitCodes.DemoBlocked(blocked);
        }
        finally
        {
            if (!keep)
            {
                await CleanUpAsync(ctx, app, caseId);
            }
            else
            {
                console.MarkupLine("Kept the demo container and images (--keep).");
            }
        }
    }

    /// <summary>Removes what the demo made: its containers (the replacement and the kept suspect), the evidence image and the demo image.</summary>
    private static async Task CleanUpAsync(CliContext ctx, BreachedApp? app, string? caseId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            if (app is not null)
            {
                var ours = new List<string> { app.ContainerId };
                if (caseId is not null)
                {
                    ours.AddRange((await ctx.Engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{RedeployPlanner.LabelReplacementCase}={caseId}"]), cts.Token)).Select(c => c.Id));
                }

                foreach (var id in ours)
                {
                    await ctx.Engine.RemoveContainerAsync(id, force: true, removeVolumes: true, cts.Token);
                }
            }

            if (caseId is not null)
            {
                foreach (var image in await ctx.Engine.ListImagesAsync([$"{EvidenceImage.LabelCase}={caseId}"], cts.Token))
                {
                    await ctx.Engine.RemoveImageAsync(image.Id, force: true, cts.Token);
                }
            }

            if (app is not null)
            {
                await ctx.Engine.RemoveImageAsync(app.ImageId, force: true, cts.Token);
            }

            ctx.Ansi.MarkupLine("Cleaned up the demo containers and images (the case directory and the bundle stay).");
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
