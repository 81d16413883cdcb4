using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;

namespace DockerIR.Cli.Commands;

/// <summary>`dockerir redeploy CONTAINER`: kill the suspect, keep it, and relaunch the original image read-only and hardened.</summary>
internal static class RedeployCommand
{
    public static Command Create(Func<IContainerEngine>? engineFactory)
    {
        var container = CliSymbols.Container();
        container.Arity = ArgumentArity.ZeroOrOne;
        var service = new Option<string?>("--service") { HelpName = "NAME", Description = "Relaunch a Swarm service read-only instead: snapshot its running tasks on this node, then update its spec" };
        var outDir = CliSymbols.OutDir("Where the cases of --service's tasks go (default ./cases)");
        var caseDir = CliSymbols.CaseDir("The case holding the suspect's committed snapshot (default: the latest under ./cases)");
        var options = new RedeploySymbols();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan and change nothing" };
        var noEvidence = new Option<bool>("--no-evidence") { Description = "Relaunch even though no committed snapshot of the suspect is recorded" };
        var json = CliSymbols.Json("Print the plan (and with execution, the outcome) as JSON");
        var command = new Command("redeploy", "Kill the suspect (kept, renamed) and relaunch its ORIGINAL image read-only, hardened, and probed")
        {
            container, service, caseDir, dryRun, noEvidence, json,
        };
        outDir.AddTo(command);
        command.Validators.Add(r =>
        {
            var hasContainer = r.GetValue(container) is not null;
            var hasService = r.GetValue(service) is not null;
            if (hasContainer == hasService)
            {
                r.AddError("give either CONTAINER or --service NAME");
            }
            else if (hasService && r.GetValue(caseDir) is not null)
            {
                r.AddError("--case-dir names one container's case; with --service, each task gets its own case under --out-dir");
            }
            else if (hasContainer && outDir.Given(r))
            {
                r.AddError("--out-dir is for --service; a container's case is found under ./cases or named with --case-dir");
            }
        });
        options.AddTo(command);
        CommandRunner.SetAction(command, engineFactory, async (parse, ctx, ct) =>
        {
            if (parse.GetValue(service) is { } serviceName)
            {
                var serviceRequest = new ServiceRedeployRequest(serviceName)
                {
                    CasesRoot = outDir.Get(parse) ?? Core.Case.CaseLocator.DefaultRoot,
                    NoEvidence = parse.GetValue(noEvidence),
                    Options = options.Read(parse),
                };
                return await RedeployServiceAsync(ctx, serviceRequest, parse.GetValue(dryRun), parse.GetValue(json), options.Yes(parse), ct);
            }

            var request = new RedeployRequest(parse.GetValue(container)!)
            {
                CaseDir = parse.GetValue(caseDir),
                NoEvidence = parse.GetValue(noEvidence),
                Options = options.Read(parse),
            };
            using var http = RedeploySymbols.ProbeClient();
            var workflow = new RedeployWorkflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, http);
            if (!parse.GetValue(dryRun))
            {
                Confirm.RefuseUnlessConfirmable(ctx, options.Yes(parse), $"kill {request.Container} and relaunch it read-only");
            }

            var prepared = await workflow.PrepareAsync(request, ct);
            var asJson = parse.GetValue(json);
            if (parse.GetValue(dryRun))
            {
                if (asJson)
                {
                    await CliJson.WriteAsync(ctx.Out, prepared.Plan, CaseJson.Indented.RedeployPlan);
                }
                else
                {
                    ctx.Ansi.MarkupLine("[bold]Redeploy plan[/] (dry run: nothing was changed)");
                    Render.Plan(ctx.Ansi, prepared.Plan);
                }

                return Verdict.Success;
            }

            if (!asJson)
            {
                Render.Plan(ctx.Ansi, prepared.Plan);
            }

            Confirm.KillOrRefuse(ctx, options.Yes(parse), $"kill {prepared.Plan.SuspectName} ({Render.ShortId(prepared.Plan.SuspectId)}) and relaunch it read-only");
            var result = await ctx.WithStatusAsync("Redeploy", progress => workflow.ExecuteAsync(prepared, progress, ct));
            if (asJson)
            {
                await CliJson.WriteAsync(ctx.Out, result, RedeployJson.Indented.RedeployResult);
            }
            else
            {
                Render.RedeployOutcome(ctx.Ansi, result);
            }

            if (!result.Passed)
            {
                throw result.ProbeFailure(withLogs: false);
            }

            return Verdict.Success;
        });
        return command;
    }

    private static async Task<Verdict> RedeployServiceAsync(CliContext ctx, ServiceRedeployRequest request, bool dryRun, bool asJson, bool yes, CancellationToken ct)
    {
        using var http = RedeploySymbols.ProbeClient();
        var workflow = ServiceResponse.Workflow(ctx.Engine, ctx.Actor, ctx.Clock, ctx.Log, http);
        if (dryRun)
        {
            var plan = await workflow.PreviewAsync(request, ct);
            if (asJson)
            {
                await CliJson.WriteAsync(ctx.Out, plan, RedeployJson.Indented.ServicePlan);
            }
            else
            {
                ctx.Ansi.MarkupLine("[bold]Service redeploy plan[/] (dry run: nothing was changed)");
                Render.ServicePlan(ctx.Ansi, plan);
            }

            return Verdict.Success;
        }

        Confirm.KillOrRefuse(ctx, yes, $"snapshot the tasks of service {request.Service} and replace them with read-only ones");
        var result = await ctx.WithStatusAsync("Redeploy service", progress => workflow.ExecuteAsync(request, progress, ct));
        if (asJson)
        {
            await CliJson.WriteAsync(ctx.Out, result, RedeployJson.Indented.ServiceRedeployResult);
        }
        else
        {
            Render.ServicePlan(ctx.Ansi, result.Plan);
            Render.ServiceOutcome(ctx.Ansi, result);
        }

        if (!result.Passed)
        {
            throw new DockerIRException(FailureKind.ProbeFailed,
                $"service {result.Plan.ServiceName} was updated but its new tasks did not pass: {result.Detail}; the evidence of the old tasks is in place");
        }

        return Verdict.Success;
    }
}

/// <summary>The redeploy options that `redeploy` and `respond` share.</summary>
internal sealed class RedeploySymbols
{
    private readonly Option<HardeningProfile> profile = CliSymbols.Enum("--profile",
        "Hardening profile: baseline, or strict (drop all capabilities but those needed; the image's non-root user)", StepSpec.Profiles);

    private readonly Option<string[]> tmpfs = new("--tmpfs") { HelpName = "PATH", Description = "An extra tmpfs path for the replacement (repeatable); never a web root", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> probe = new("--probe") { HelpName = "URL|tcp:PORT", Description = "Probe the replacement: an http(s) URL (2xx/3xx) or tcp:PORT / tcp:HOST:PORT" };
    private readonly Option<string?> probeExpect = new("--probe-expect") { HelpName = "STATUS|TEXT", Description = "What the HTTP probe's answer must show: a status code (e.g. 200) or a text its body contains (a page that touches the database)" };
    private readonly Option<bool> force = new("--force") { Description = "Kill the suspect even when the replacement fails its preflight (the site stays down until it is fixed)" };
    private readonly Option<int> probeTimeout = CliSymbols.Number("--probe-timeout", "Seconds the probe may take (1-600)", 30, 1, 600, "SECONDS");
    private readonly Option<bool> yes = new("--yes", "-y") { Description = "Kill without asking (required without a terminal)" };

    public void AddTo(Command command)
    {
        command.Add(profile);
        command.Add(tmpfs);
        command.Add(probe);
        command.Add(probeExpect);
        command.Add(probeTimeout);
        command.Add(force);
        command.Add(yes);
    }

    public bool Yes(ParseResult parse) => parse.GetValue(yes);

    public RedeployOptions Read(ParseResult parse)
    {
        var timeout = TimeSpan.FromSeconds(parse.GetValue(probeTimeout));
        var extra = parse.GetValue(tmpfs) ?? [];
        foreach (var path in extra)
        {
            RedeployPlanner.ValidateTmpfsPath(path);
        }

        return new RedeployOptions
        {
            Profile = parse.GetValue(profile),
            ExtraTmpfs = extra,
            Probe = ProbeSpec.ParseWithExpect(parse.GetValue(probe), parse.GetValue(probeExpect), timeout),
            ProbeTimeout = timeout,
            Force = parse.GetValue(force),
        };
    }

    /// <summary>The HTTP client probes use: no redirects followed (a 3xx is an answer), no proxy.</summary>
    public static HttpClient ProbeClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
}
