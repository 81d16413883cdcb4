using System.Text;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Response;
using DockerIR.Core.Views;
using Serilog;

namespace DockerIR.Core.Demo;

/// <summary>What `dockerir demo` is asked to do.</summary>
public sealed record DemoRequest(string Name, string Tag, IReadOnlyDictionary<string, string> Labels, string? CaseDir, bool Keep);

/// <summary>How the demo ended: the response's run (null when it never started) and whether the repeated attack was blocked.</summary>
public sealed record DemoResult(CaseRunResult? Run, bool Blocked);

/// <summary>Tells the demo's story as it goes (the CLI prints it); each call is one step the reader sees.</summary>
public interface IDemoNarrator
{
    void Engine(EngineVersion version, string endpoint);

    void Serving(BreachedApp app, string indexLine);

    void Breached(string indexLine);

    void Changed(IReadOnlyList<ClassifiedChange> changes);

    void Responding();

    void Responded(CaseRunResult run);

    void Evidence(string bundlePath, string shell, IReadOnlyList<TriageFinding> highFindings);

    void Replacement(ContainerInspection replacement, string indexLine);

    void AttackedAgain(string answer, bool blocked);

    /// <summary>The end: what the demo made was kept (--keep), removed, or (<paramref name="cleaned"/> false) not all removed (the log says why).</summary>
    void Finished(bool kept, bool cleaned);
}

/// <summary>
/// The built-in demo: build and breach the vulnerable app, respond to it with the respond preset (service first),
/// show the evidence and the read-only replacement, attack again (it now fails), and clean up what it made.
/// </summary>
public sealed class DemoWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log, HttpClient probeHttp)
{
    public async Task<DemoResult> RunAsync(DemoRequest request, IDemoNarrator narrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(narrator);
        narrator.Engine(await engine.GetVersionAsync(cancellationToken), engine.Endpoint);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scenario = new DemoScenario(engine, http);
        var labels = new Dictionary<string, string>(request.Labels) { [DemoScenario.LabelDemo] = "1" };
        BreachedApp? app = null;
        CaseRunResult? run = null;
        try
        {
            app = await scenario.StartAsync(request.Name, request.Tag, labels, cancellationToken);
            narrator.Serving(app, FirstLine(await http.GetStringAsync(app.BaseAddress, cancellationToken)));

            await scenario.BreachAsync(app, cancellationToken);
            narrator.Breached(FirstLine(await http.GetStringAsync(app.BaseAddress, cancellationToken)));
            narrator.Changed(ChangeClassifier.Classify(await engine.GetChangesAsync(app.ContainerId, cancellationToken)));

            narrator.Responding();
            var steps = RespondPreset.Steps(new RedeployOptions { Probe = ProbeSpec.Parse(app.BaseAddress.ToString(), TimeSpan.FromSeconds(30)) });
            run = await new CaseRunner(engine, actor, clock, log, probeHttp).StartAsync(app.ContainerId, request.CaseDir, CaseLocator.DefaultRoot, "respond",
                steps, null, cancellationToken);
            narrator.Responded(run);
            if (!run.Succeeded)
            {
                return new DemoResult(run, false);
            }

            var bundle = run.BundlePath!;
            var (record, manifest) = await ShowWorkflow.FindAsync(bundle, DemoAttacker.ShellPath, before: false, cancellationToken);
            using var shell = new MemoryStream();
            await ShowWorkflow.CopyAsync(bundle, record, manifest, shell, cancellationToken);
            var triage = await CaseRecords.ReadTriageAsync(CaseContent.Open(bundle), cancellationToken);
            narrator.Evidence(bundle, Encoding.UTF8.GetString(shell.ToArray()).TrimEnd(), [.. (triage?.Findings ?? []).Where(f => f.Severity == Severity.High)]);

            var replacement = await engine.InspectContainerAsync(app.ContainerName, cancellationToken);
            narrator.Replacement(replacement, FirstLine(await http.GetStringAsync(app.BaseAddress, cancellationToken)));

            var again = await new DemoAttacker(http).BreachAsync(app.BaseAddress, cancellationToken);
            var blocked = again.Contains("Read-only file system", StringComparison.Ordinal);
            narrator.AttackedAgain(again.Split('\n')[0], blocked);
            return new DemoResult(run, blocked);
        }
        finally
        {
            narrator.Finished(request.Keep, request.Keep || await CleanUpAsync(app, run?.CaseId));
        }
    }

    /// <summary>Removes what the demo made: its containers (the replacement and the kept suspect), the evidence image and the demo image.</summary>
    private async Task<bool> CleanUpAsync(BreachedApp? app, string? caseId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            if (app is not null)
            {
                var ours = new List<string> { app.ContainerId };
                if (caseId is not null)
                {
                    ours.AddRange((await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{RedeployPlanner.LabelReplacementCase}={caseId}"]), cts.Token)).Select(c => c.Id));
                }

                foreach (var id in ours)
                {
                    await engine.RemoveContainerAsync(id, force: true, removeVolumes: true, cts.Token);
                }
            }

            if (caseId is not null)
            {
                foreach (var image in await engine.ListImagesAsync([$"{EvidenceImage.LabelCase}={caseId}"], cts.Token))
                {
                    await engine.RemoveImageAsync(image.Id, force: true, cts.Token);
                }
            }

            if (app is not null)
            {
                await engine.RemoveImageAsync(app.ImageId, force: true, cts.Token);
            }

            return true;
        }
        catch (DockerIRException e)
        {
            log.DemoCleanUpIncomplete(e.Message);
            return false;
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.Contains("<h1>", StringComparison.Ordinal)) ?? text.Split('\n')[0];
        return line.Length > 100 ? line[..100] : line;
    }
}
