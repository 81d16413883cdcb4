using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Faults.Tests;

/// <summary>
/// Runs the built dockerir with a fault armed (see FaultPoints and docs/reliability.md) and checks the four
/// invariants every fault must leave holding.
/// </summary>
internal static class FaultKit
{
    public const int SigkillExit = 137;

    /// <summary>dockerir with DOCKERIR_FAULT set (or unset when null), and optionally a trace of every fault point hit.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, string? fault, string? trace = null, TimeSpan? timeout = null) =>
        ProcessRunner.DockerIRAsync(args, new Dictionary<string, string?> { ["DOCKERIR_FAULT"] = fault, ["DOCKERIR_FAULT_TRACE"] = trace }, timeout: timeout ?? TimeSpan.FromMinutes(4));

    /// <summary>
    /// Runs dockerir with a stall armed at <paramref name="point"/>'s <paramref name="hit"/>th hit, runs
    /// <paramref name="breakSomething"/> while it waits there, then lets it go on and returns how it ended.
    /// </summary>
    public static async Task<ProcessResult> RunStalledAsync(IEnumerable<string> args, string point, int hit, string work, Func<Task> breakSomething)
    {
        var gate = Path.Combine(work, $"stall-{Guid.NewGuid():N}");
        var run = RunAsync(args, $"{point}:{hit}:stall:{gate}");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(gate + ".hit"))
        {
            if (run.IsCompleted)
            {
                var early = await run;
                throw new Xunit.Sdk.XunitException($"dockerir ended (exit {early.ExitCode}) before reaching {point} #{hit}; stderr: {early.StdErr}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"dockerir did not reach {point} #{hit} within 2 minutes");
            await Task.Delay(50);
        }

        try
        {
            await breakSomething();
        }
        finally
        {
            await File.WriteAllTextAsync(gate + ".go", "");
        }

        return await run;
    }

    /// <summary>(d): a failure is one line on stderr with the documented code, never a stack trace.</summary>
    public static string OneLineFailure(ProcessResult result, int expectedExit)
    {
        Assert.True(result.ExitCode == expectedExit, $"exit {result.ExitCode}, expected {expectedExit}\nstdout: {result.StdOut}\nstderr: {result.StdErr}");
        var errorLines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("dockerir: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errorLines);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.StdErr, StringComparison.Ordinal);
        return line;
    }

    public static void Success(ProcessResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"{what}: exit {result.ExitCode}\nstdout: {result.StdOut}\nstderr: {result.StdErr}");

    /// <summary>The case directories under <paramref name="outDir"/> (every directory holding case.json).</summary>
    public static List<string> Cases(string outDir) =>
        Directory.Exists(outDir) ? Directory.GetDirectories(outDir).Where(d => File.Exists(Path.Combine(d, CaseDirectory.CaseFile))).Order(StringComparer.Ordinal).ToList() : [];

    /// <summary>The case's custody lines: the (sealed) log, then those appended after sealing.</summary>
    public static List<CustodyRecord> Custody(string caseDir)
    {
        var path = Path.Combine(caseDir, CaseDirectory.CustodyFile);
        var later = Path.Combine(caseDir, CaseDirectory.CustodyAfterSealFile);
        return File.Exists(path) ? [.. CustodyLog.Parse(File.ReadAllText(path) + (File.Exists(later) ? File.ReadAllText(later) : ""), path)] : [];
    }

    public static bool SnapshotRecorded(string caseDir) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(caseDir, CaseDirectory.CaseFile))).RootElement.TryGetProperty("snapshot", out var s) && s.ValueKind == JsonValueKind.Object;

    /// <summary>(path, kind, sha256 after) of every manifest entry: what "nothing lost" compares.</summary>
    public static List<string> ManifestKey(string caseDir)
    {
        var manifest = ManifestFile.Read(File.ReadAllBytes(Path.Combine(caseDir, Manifest.FileName)), caseDir);
        return manifest.Entries.Select(e => $"{e.Path} {e.Kind} {e.After?.Sha256 ?? "-"}").Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Invariants (a) and (b) right after a fault: the suspect is killed only when its snapshot is committed and
    /// recorded; whatever verifies as complete (a case or a bundle) holds exactly the reference change set.
    /// </summary>
    /// <param name="othersStopIt">The fault itself stops or removes the suspect (someone else did it), so its state says nothing of what dockerir did.</param>
    public static async Task CheckAfterFaultAsync(IContainerEngine engine, string containerId, string outDir, IReadOnlyList<string> reference, string label, bool othersStopIt = false)
    {
        var cases = Cases(outDir);
        var state = await StateAsync(engine, containerId);
        if (!othersStopIt && state is not ("running" or "paused"))
        {
            Assert.True(cases.Any(SnapshotRecorded), $"{label}: the suspect is {state} but no case records a committed snapshot");
        }

        foreach (var c in cases)
        {
            var custody = Custody(c);
            var killed = custody.FindIndex(r => r.Action == "container.kill" && r.Outcome == CustodyOutcome.Succeeded);
            var committed = custody.FindIndex(r => r.Action == "container.commit" && r.Outcome == CustodyOutcome.Succeeded);
            Assert.True(killed < 0 || (committed >= 0 && committed < killed), $"{label}: {c} records a kill before a committed snapshot");

            foreach (var target in new[] { c, c + ".tar.gz" }.Where(p => File.Exists(p) || Directory.Exists(p)))
            {
                var verify = await ProcessRunner.DockerIRAsync(["verify", target, "--json"]);
                if (target.EndsWith(".tar.gz", StringComparison.Ordinal))
                {
                    // A bundle appears under its name only when it is complete.
                    Success(verify, $"{label}: verify {target}");
                }

                if (verify.ExitCode == 0 && JsonDocument.Parse(verify.StdOut).RootElement.GetProperty("evidenceComplete").GetBoolean() && target == c)
                {
                    Assert.Equal(reference, ManifestKey(c));
                }
            }
        }
    }

    /// <summary>
    /// Invariant (c) after a completed re-run or resume: one evidence image, at most one kill, one running
    /// replacement, and a bundle that verifies complete with the reference change set.
    /// </summary>
    /// <param name="engineRestarted">The engine restarted after the relaunch: it stops every container without a restart policy, the replacement too, which is the engine's doing.</param>
    public static async Task CheckFinishedAsync(IContainerEngine engine, string containerId, string caseDir, IReadOnlyList<string> reference, string label, bool redeployed = true,
        bool engineRestarted = false)
    {
        var images = await engine.ListImagesAsync([$"{EvidenceImage.LabelSourceContainer}={containerId}"], CancellationToken.None);
        Assert.True(images.Count == 1, $"{label}: {images.Count} evidence images of the suspect, expected exactly one commit");
        var kills = Cases(Path.GetDirectoryName(caseDir)!).SelectMany(Custody).Count(r => r.Action == "container.kill" && r.Outcome == CustodyOutcome.Succeeded);
        Assert.True(kills <= (redeployed ? 1 : 0), $"{label}: {kills} kills recorded");
        var caseId = Path.GetFileName(caseDir);
        var replacements = await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{RedeployPlanner.LabelReplacementCase}={caseId}"]), CancellationToken.None);
        Assert.True(replacements.Count == (redeployed ? 1 : 0), $"{label}: {replacements.Count} replacements for case {caseId}");
        if (redeployed && !engineRestarted)
        {
            Assert.True((await engine.InspectContainerAsync(replacements[0].Id, CancellationToken.None)).State.Running, $"{label}: the replacement is not running");
        }

        var verify = await ProcessRunner.DockerIRAsync(["verify", caseDir + ".tar.gz", "--json"]);
        Success(verify, $"{label}: verify the final bundle");
        Assert.True(JsonDocument.Parse(verify.StdOut).RootElement.GetProperty("evidenceComplete").GetBoolean(), $"{label}: the final bundle is not complete");
        Assert.Equal(reference, ManifestKey(caseDir));
    }

    public static async Task<string> StateAsync(IContainerEngine engine, string containerId)
    {
        try
        {
            var s = (await engine.InspectContainerAsync(containerId, CancellationToken.None)).State;
            return s.Paused ? "paused" : s.Running ? "running" : s.Status;
        }
        catch (ContainerNotFoundException)
        {
            return "removed";
        }
    }

    /// <summary>
    /// A line for the test's output and for the fault report (DOCKERIR_FAULT_REPORT, else artifacts/faults.log
    /// beside the test assembly), which scripts/test.sh prints: the seeds and points a failure is replayed from.
    /// </summary>
    public static void Say(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        var report = Environment.GetEnvironmentVariable("DOCKERIR_FAULT_REPORT") is { Length: > 0 } r ? r : Path.Combine(AppContext.BaseDirectory, "artifacts", "faults.log");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        lock (ReportLock)
        {
            File.AppendAllText(report, line + "\n");
        }
    }

    private static readonly object ReportLock = new();
}
