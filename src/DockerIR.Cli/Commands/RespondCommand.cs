using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Engine;
using Spectre.Console;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir respond CONTAINER`: snapshot, extract, bundle, verify and redeploy in one journaled, resumable run.</summary>
internal static class RespondCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var container = new Argument<string?>("CONTAINER") { Description = "Container name, id or unambiguous id prefix", Arity = ArgumentArity.ZeroOrOne };
        var outDir = CliSymbols.OutDir("Where the case directory goes (default ./cases); the case is DIR/<case-id>");
        var resume = new Option<string?>("--resume") { HelpName = "CASE_DIR", Description = "Continue an interrupted run in this case directory from its first step not completed" };
        var noRedeploy = new Option<bool>("--no-redeploy") { Description = "Stop after the evidence: do not kill or relaunch" };
        var redeploy = new RedeploySymbols();
        var (memory, memoryMax) = CliSymbols.Memory();
        var sign = CliSymbols.Sign();
        var json = CliSymbols.Json("Print the summary as JSON");
        var command = new Command("respond", "The whole response in one go, service first: snapshot (frozen first) → redeploy read-only (after a preflight) → extract → bundle → verify, journaled and resumable")
        {
            container, resume, noRedeploy, memory, memoryMax, sign, json,
        };
        outDir.AddTo(command);
        redeploy.AddTo(command);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(container) is null) == (r.GetValue(resume) is null))
            {
                r.AddError("give either CONTAINER or --resume CASE_DIR");
            }
        });
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            using var http = RedeploySymbols.ProbeClient();
            var runner = new CaseRunner(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, http);
            var asJson = parse.GetValue(json);
            CaseRunResult result;
            if (parse.GetValue(resume) is { } caseDir)
            {
                var run = await CaseRunner.ReadRunAsync(caseDir, ct);
                if (run.Steps.Any(s => s.Name == StepSpec.Redeploy))
                {
                    Confirm.KillOrRefuse(ctx, redeploy.Yes(parse), $"resume the response to {run.ContainerName}, which kills it and relaunches it read-only");
                }

                result = await ctx.WithStatusAsync("Respond", progress => runner.ResumeAsync(caseDir, progress, ct));
            }
            else
            {
                var name = parse.GetValue(container)!;
                var steps = RespondPreset.Steps(parse.GetValue(noRedeploy) ? null : redeploy.Read(parse), parse.GetValue(memory),
                    parse.GetResult(memoryMax) is { Implicit: false } ? parse.GetValue(memoryMax) : null, parse.GetValue(sign));
                foreach (var step in steps)
                {
                    step.Check(); // a bad --memory or signing key stops here, before the freeze
                }

                if (!parse.GetValue(noRedeploy))
                {
                    Confirm.KillOrRefuse(ctx, redeploy.Yes(parse), $"respond to {name}: snapshot it, then kill it and relaunch it read-only");
                }

                result = await ctx.WithStatusAsync("Respond", progress =>
                    runner.StartAsync(name, null, outDir.Get(parse) ?? CaseLocator.DefaultRoot, "respond", steps, progress, ct));
            }

            if (asJson)
            {
                await CliJson.WriteAsync(ctx.Out, result, ResponseJson.Indented.CaseRunResult);
            }
            else
            {
                Render.RunSummary(ctx.Ansi, result);
            }

            return ExitCodes.Runs([result]);
        });
        return command;
    }
}
