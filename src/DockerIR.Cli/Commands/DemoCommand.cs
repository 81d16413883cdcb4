using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
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
            HelpName = "NAME",
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
            HelpName = "KEY=VALUE",
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
        using var probeHttp = RedeploySymbols.ProbeClient();
        var tag = name == ContainerName ? "latest" : name.ToLowerInvariant();
        var result = await new DemoWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, probeHttp)
            .RunAsync(new DemoRequest(name, tag, extraLabels, caseDir, keep), new Narrator(ctx.Ansi, tag), ct);
        return result.Run is { Succeeded: false } run ? ExitCodes.Runs([run]) : ExitCodes.DemoBlocked(result.Blocked);
    }

    /// <summary>The demo's story on the terminal, one numbered step per stage.</summary>
    private sealed class Narrator(IAnsiConsole console, string tag) : IDemoNarrator
    {
        public void Engine(EngineVersion version, string endpoint) =>
            console.MarkupLine($"[bold]1. Engine[/]: Docker {Render.Safe(version.EngineVersionText)} at {Render.Safe(endpoint)} (API {version.NegotiatedApiVersion})");

        public void Serving(BreachedApp app, string indexLine)
        {
            console.MarkupLine($"[bold]2. Vulnerable app[/] {app.ContainerName} serves {app.BaseAddress} (image {DemoWebApp.Repository}:{tag}, built from the host's busybox)");
            console.MarkupLine($"   index.html: {Render.Safe(indexLine)}");
        }

        public void Breached(string indexLine)
        {
            console.MarkupLine("[bold]3. Breach[/]: the attacker ran commands through /cgi-bin/eval.cgi?cmd=...");
            console.MarkupLine($"   dropped {DemoAttacker.ShellPath}, and index.html now reads: [red]{Render.Safe(indexLine)}[/]");
        }

        public void Changed(IReadOnlyList<ClassifiedChange> changes)
        {
            console.MarkupLine("[bold]4. What changed[/] (dockerir diff):");
            Render.Changes(console, changes);
        }

        public void Responding() =>
            console.MarkupLine("[bold]5. Respond[/] (dockerir respond --yes): snapshot (frozen first) → read-only redeploy (after a preflight) → extract → bundle → verify");

        public void Responded(CaseRunResult run) => Render.RunSummary(console, run);

        public void Evidence(string bundlePath, string shell, IReadOnlyList<TriageFinding> highFindings)
        {
            var bundle = Render.Safe(Path.GetFileName(bundlePath));
            console.MarkupLine($"[bold]6. The evidence[/]: dockerir show {bundle} {DemoAttacker.ShellPath}");
            console.MarkupLine($"     {Render.Safe(shell)}");
            console.MarkupLine($"   triage (dockerir findings {bundle} --min-severity high):");
            Render.Findings(console, highFindings);
            console.MarkupLine($"   the report: dockerir report {bundle} --format html -o report.html (verdict first, the breach on a timeline, diffs inline)");
        }

        public void Replacement(ContainerInspection replacement, string indexLine)
        {
            console.MarkupLine($"[bold]7. The replacement[/] {Render.Safe(replacement.Name)} ({Render.ShortId(replacement.Id)}) runs the original image {Render.ShortId(replacement.ImageId)}: "
                + $"read-only {replacement.HostConfig.ReadonlyRootfs}, tmpfs {Render.Safe(string.Join(", ", replacement.HostConfig.Tmpfs.Keys))}, "
                + $"{Render.Safe(string.Join(", ", replacement.HostConfig.SecurityOpt))}, cap-drop {Render.Safe(string.Join(",", replacement.HostConfig.CapDrop))}");
            console.MarkupLine($"   index.html: [green]{Render.Safe(indexLine)}[/]");
        }

        public void AttackedAgain(string answer, bool blocked)
        {
            console.MarkupLine($"[bold]8. The attack again[/]: {Render.Safe(answer)}");
            console.MarkupLine(blocked ? "   [green]the attacker can no longer write a shell or deface the site[/]" : "   [red]the attack was not blocked[/]");
        }

        public void Finished(bool kept, bool cleaned)
        {
            if (kept || cleaned)
            {
                console.MarkupLine(kept ? "Kept the demo container and images (--keep)." : "Cleaned up the demo containers and images (the case directory and the bundle stay).");
            }
        }
    }
}
