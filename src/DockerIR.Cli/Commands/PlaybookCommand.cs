using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Playbooks;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir playbook validate|run|resume`: scripted, repeatable recovery from a YAML playbook.</summary>
internal static class PlaybookCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var command = new Command("playbook", "Run a YAML recovery playbook over one or many containers (see docs/playbooks.md)");
        command.Add(Validate(engineFactory));
        command.Add(Run(engineFactory));
        command.Add(Resume(engineFactory));
        return command;
    }

    private static Argument<string> FileArgument() => new("FILE") { Description = "The playbook (YAML)" };

    private static Option<string[]> VarOption()
    {
        var option = new Option<string[]>("--var") { HelpName = "KEY=VALUE", Description = "Set a playbook variable: KEY=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
        option.Validators.Add(r =>
        {
            foreach (var v in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (v.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    r.AddError($"--var '{v}' is not KEY=VALUE");
                }
            }
        });
        return option;
    }

    private static Dictionary<string, string> Vars(ParseResult parse, Option<string[]> option) =>
        (parse.GetValue(option) ?? []).Select(v => v.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);

    private static Command Validate(Func<IContainerEngine>? engineFactory)
    {
        var files = new Argument<string[]>("FILE") { Description = "The playbooks (YAML); each is checked, and every one that fails says why", Arity = ArgumentArity.OneOrMore };
        var vars = VarOption();
        var command = new Command("validate",
            "Check playbooks without touching the engine (a CI lint step): everything that does not depend on a variable's value, and the values given with --var; errors name FILE:LINE:COL")
        { files, vars };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            // Every file is checked; the first failure sets the exit code, each one is reported on its own line.
            Verdict? first = null;
            foreach (var file in parse.GetRequiredValue(files))
            {
                ResolvedPlaybook playbook;
                try
                {
                    playbook = PlaybookLoader.Lint(file, Vars(parse, vars));
                }
                catch (Exception e) when (DockerIRException.Expected(e) is { } failure)
                {
                    var verdict = ExitCodes.Failure(failure);
                    first ??= verdict;
                    await ctx.Err.WriteLineAsync(verdict.Line);
                    continue;
                }

                ctx.Ansi.MarkupLine($"[green]valid[/]: {Render.Safe(file)}: playbook {Render.Safe(playbook.Name)}, {playbook.Steps.Count} steps ({Render.Safe(string.Join(" → ", playbook.Steps.Select(s => s.Name)))}), "
                    + $"targets {Render.Safe(playbook.TargetsFrom is { } from ? $"from the hunt report {from}" : playbook.Selector is null ? string.Join(", ", playbook.Containers) : $"selector {playbook.Selector}")}, parallel {playbook.Parallel}");
                foreach (var variable in playbook.Required.Where(v => playbook.Unset.Contains(v.Name)))
                {
                    ctx.Ansi.MarkupLine($"  a run must give --var {Render.Safe(variable.Name)}=VALUE{(variable.Comment is { } c ? $"  ({Render.Safe(c)})" : "")}");
                }
            }

            return first is null ? Verdict.Success : first with { Line = null };
        });
        return command;
    }

    private static Command Run(Func<IContainerEngine>? engineFactory)
    {
        var file = FileArgument();
        var vars = VarOption();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the resolved plan for every target and change nothing" };
        var outDir = CliSymbols.OutDir("The run directory (default ./cases/playbook-<name>-<time>); one case per target inside");
        var yes = new Option<bool>("--yes", "-y") { Description = "Allow the playbook's kills without asking (required without a terminal)" };
        var json = CliSymbols.Json();
        var targetsFrom = new Option<string?>("--targets-from")
        {
            HelpName = "HUNT.json",
            Description = "Take the targets from a hunt report ('dockerir hunt -o FILE'): every container with a match and every container of a matched image, instead of the playbook's own",
        };
        var command = new Command("run", "Run a playbook: each target's steps as a journaled, resumable case") { file, vars, dryRun, targetsFrom, yes, json };
        outDir.AddTo(command);
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            var playbook = PlaybookLoader.Load(parse.GetRequiredValue(file), Vars(parse, vars), parse.GetValue(targetsFrom));
            using var http = RedeploySymbols.ProbeClient();
            var runner = new PlaybookRunner(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, http);
            if (parse.GetValue(dryRun))
            {
                var planned = await runner.PlanAsync(playbook, ct);
                if (parse.GetValue(json))
                {
                    await CliJson.WriteAsync(ctx.Out, planned, PlaybooksJson.Indented.IReadOnlyListPlannedTarget);
                    return Verdict.Success;
                }

                ctx.Ansi.MarkupLine($"[bold]Playbook {Render.Safe(playbook.Name)}[/] (dry run: nothing was changed), {planned.Count} targets, parallel {playbook.Parallel}");
                foreach (var target in planned)
                {
                    ctx.Ansi.MarkupLine($"[bold]{Render.Safe(target.ContainerName)}[/] ({Render.ShortId(target.ContainerId)}): "
                        + Render.Safe(string.Join(" → ", target.Steps.Select(s => s.Name + (s.With.Count == 0 ? "" : $"({string.Join(", ", s.With.Select(kv => $"{kv.Key}={kv.Value}"))})")))));
                    if (target.Redeploy is not null)
                    {
                        Render.Plan(ctx.Ansi, target.Redeploy);
                    }
                }

                return Verdict.Success;
            }

            if (playbook.Steps.Any(s => s.Name == StepSpec.Redeploy))
            {
                Confirm.KillOrRefuse(ctx, parse.GetValue(yes), $"run playbook {playbook.Name}, which kills its targets and relaunches them read-only");
            }

            var runDir = outDir.Get(parse) ?? Path.Combine(CaseLocator.DefaultRoot, $"playbook-{playbook.Name}-{CaseDirectory.NewCaseId(ctx.Clock)}");
            var result = await ctx.WithStatusAsync($"Playbook {playbook.Name}", progress => runner.RunAsync(playbook, runDir, progress, ct));
            return await ReportAsync(ctx, result, parse.GetValue(json));
        });
        return command;
    }

    private static Command Resume(Func<IContainerEngine>? engineFactory)
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "The run directory of an interrupted playbook run" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Allow the playbook's kills without asking (required without a terminal)" };
        var json = CliSymbols.Json();
        var command = new Command("resume", "Continue an interrupted playbook run from each target's first step not completed") { runDir, yes, json };
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            Confirm.KillOrRefuse(ctx, parse.GetValue(yes), "resume a playbook run, which may kill its targets");
            using var http = RedeploySymbols.ProbeClient();
            var runner = new PlaybookRunner(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, http);
            var result = await ctx.WithStatusAsync("Playbook", progress => runner.ResumeAsync(parse.GetRequiredValue(runDir), progress, ct));
            return await ReportAsync(ctx, result, parse.GetValue(json));
        });
        return command;
    }

    private static async Task<Verdict> ReportAsync(CliContext ctx, PlaybookRunResult result, bool json)
    {
        if (json)
        {
            await CliJson.WriteAsync(ctx.Out, result, PlaybooksJson.Indented.PlaybookRunResult);
        }
        else
        {
            ctx.Ansi.MarkupLine($"[bold]Playbook {Render.Safe(result.Playbook)}[/]: {result.Cases.Count} targets, run directory {Render.Safe(result.RunDir)}");
            foreach (var c in result.Cases)
            {
                Render.RunSummary(ctx.Ansi, c);
            }
        }

        return ExitCodes.Runs(result.Cases);
    }
}
