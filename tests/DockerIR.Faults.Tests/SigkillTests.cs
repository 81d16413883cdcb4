using System.Globalization;
using DockerIR.Core;
using DockerIR.Core.Demo;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Faults.Tests;

/// <summary>
/// SIGKILL of dockerir at seeded points of a whole `respond` (snapshot, extract, bundle, verify, redeploy). One
/// calibration run traces every fault point a respond passes; each seed then strikes one of them, chosen at random
/// within its own stretch of the run, so the seeds cover the whole of it. Replay with DOCKERIR_FAULT_SEEDS=7,12.
/// </summary>
public sealed class SigkillTests(DemoAppFixture demo, ITestOutputHelper output) : IClassFixture<DemoAppFixture>, IDisposable
{
    private const int DefaultSeeds = 20;
    private static readonly string[] Stages = ["snapshot", "extract", "bundle", "redeploy"];
    private readonly string work = Directory.CreateTempSubdirectory("dockerir-faults-kill-").FullName;

    [Fact]
    public async Task Respond_SigkilledAtSeededPoints_NothingLostAndResumeFinishesOnce()
    {
        var calibration = await demo.StartBreachedAsync("calib");
        var trace = Path.Combine(work, "trace");
        var calibrationOut = Path.Combine(work, "calibration");
        FaultKit.Success(await FaultKit.RunAsync(Respond(calibration, calibrationOut), fault: null, trace), "the calibration respond");
        var reference = FaultKit.ManifestKey(Assert.Single(FaultKit.Cases(calibrationOut)));
        var points = File.ReadAllLines(trace);
        FaultKit.Say(output, $"sigkill: one respond passes {points.Length} fault points ({string.Join(", ", points.GroupBy(p => p).Select(g => $"{g.Key} {g.Count()}"))})");

        var seeds = Environment.GetEnvironmentVariable("DOCKERIR_FAULT_SEEDS") is { Length: > 0 } chosen
            ? chosen.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList()
            : Enumerable.Range(1, DefaultSeeds).ToList();
        var failures = new List<string>();
        var phases = new List<string>();
        // Two at a time: one respond per core.
        foreach (var pair in seeds.Chunk(2))
        {
            var results = await Task.WhenAll(pair.Select(seed => RunSeedAsync(seed, points, reference)));
            foreach (var (seed, phase, failure) in results)
            {
                phases.Add(phase);
                if (failure is not null)
                {
                    failures.Add($"seed {seed}: {failure}");
                }
            }
        }

        FaultKit.Say(output, $"sigkill: {seeds.Count} seeds, killed during: {string.Join(", ", phases.GroupBy(p => p).Select(g => $"{g.Key} {g.Count()}"))}; {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        if (seeds.Count >= DefaultSeeds)
        {
            // The seeds must have struck every stage of a response, not one stage twenty times.
            Assert.All(Stages, stage => Assert.Contains(stage, phases));
        }
    }

    /// <summary>Which point the seed strikes: a random one within the seed's own stretch of the calibrated run.</summary>
    private static (string Point, int Hit, int Position) Choose(int seed, string[] points)
    {
        var slot = (seed - 1) % DefaultSeeds;
        var start = slot * points.Length / DefaultSeeds;
        var end = Math.Max(start + 1, (slot + 1) * points.Length / DefaultSeeds);
        var position = start + new Random(seed).Next(end - start);
        return (points[position], points.Take(position + 1).Count(p => p == points[position]), position);
    }

    private async Task<(int Seed, string Phase, string? Failure)> RunSeedAsync(int seed, string[] points, IReadOnlyList<string> reference)
    {
        var (point, hit, position) = Choose(seed, points);
        var label = $"seed {seed} (SIGKILL at {point} #{hit}, point {position + 1} of {points.Length})";
        var phase = "?";
        try
        {
            var app = await demo.StartBreachedAsync($"k{seed}");
            var outDir = Path.Combine(work, $"seed-{seed}");
            var killed = await FaultKit.RunAsync(Respond(app, outDir), $"{point}:{hit}:kill");
            Assert.True(killed.ExitCode == FaultKit.SigkillExit, $"{label}: dockerir was not killed (exit {killed.ExitCode}); stderr: {killed.StdErr}");
            phase = Phase(outDir);
            await FaultKit.CheckAfterFaultAsync(demo.Engine, app.ContainerId, outDir, reference, label);

            var resumable = FaultKit.Cases(outDir).FirstOrDefault(c => File.Exists(Path.Combine(c, "run.json")));
            var again = resumable is null
                ? await FaultKit.RunAsync(Respond(app, outDir), fault: null)
                : await FaultKit.RunAsync(["respond", "--resume", resumable, "--yes"], fault: null);
            FaultKit.Success(again, $"{label}: {(resumable is null ? "the re-run" : "the resume")}");
            var finished = Assert.Single(FaultKit.Cases(outDir), c => File.Exists(c + ".tar.gz"));
            await FaultKit.CheckFinishedAsync(demo.Engine, app.ContainerId, finished, reference, label);
            FaultKit.Say(output, $"{label}: killed during {phase}; {(resumable is null ? "re-run" : "resumed")}; invariants hold");
            return (seed, phase, null);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or DockerIRException)
        {
            FaultKit.Say(output, $"{label}: FAILED: {e.Message}");
            return (seed, phase, $"{label}: {e.Message}");
        }
    }

    /// <summary>The step a killed run was in: the last run.step its custody log started, or "open" before the run began.</summary>
    private static string Phase(string outDir)
    {
        var step = FaultKit.Cases(outDir).SelectMany(FaultKit.Custody).LastOrDefault(r => r.Action == "run.step")?.Target;
        return step is null ? "open" : step[(step.IndexOf(':', StringComparison.Ordinal) + 1)..];
    }

    private static string[] Respond(BreachedApp app, string outDir) =>
        ["respond", app.ContainerName, "--out-dir", outDir, "--probe", app.BaseAddress.ToString(), "--yes"];

    public void Dispose() => Directory.Delete(work, recursive: true);
}
