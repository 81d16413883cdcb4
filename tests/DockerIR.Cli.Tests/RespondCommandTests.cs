using System.Diagnostics;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir respond` through the built CLI, against the real engine.</summary>
public sealed class RespondCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-respond-").FullName;

    [Fact]
    public async Task Respond_KilledDuringExtraction_ResumeFinishesWithOneCommitOneKillAndOneReplacement()
    {
        // A 400 MB dropped file keeps the extraction busy long enough to be killed in the middle of it.
        var name = demo.Resources.Name("resume");
        var spec = new ContainerSpec
        {
            Image = demo.ImageReference,
            Cmd = ["/bin/sh", "-c", "dd if=/dev/urandom of=/tmp/big bs=1M count=400 2>/dev/null; touch /tmp/ready; exec sleep 600"],
            Labels = demo.Resources.Labels,
        };
        var id = await demo.Engine.CreateContainerAsync(spec, name, CancellationToken.None);
        await demo.Engine.StartAsync(id, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await demo.Engine.GetChangesAsync(id, CancellationToken.None)).Any(c => c.Path == "/tmp/ready"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the container did not write its file");
            await Task.Delay(200);
        }

        var outDir = Path.Combine(workDir, "out");
        var killedIn = await KillDuringExtractionAsync(["respond", name, "--out-dir", outDir, "--yes"], outDir);
        var caseDir = Directory.GetDirectories(outDir).Single();
        var caseId = Path.GetFileName(caseDir);

        var resumed = await ProcessRunner.DockerIRAsync(["respond", "--resume", caseDir, "--yes", "--json"]);

        CliAssert.Success(resumed);
        var summary = JsonDocument.Parse(resumed.StdOut).RootElement;
        var outcomes = summary.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("outcome").GetString()).ToList();
        // Service first: the snapshot and the relaunch were done before the kill of dockerir; only the evidence work is left.
        Assert.Equal(["snapshot", "redeploy", "extract", "bundle", "verify"], summary.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()));
        Assert.Equal(["done-before", "done-before", "done", "done", "done"], outcomes);
        Assert.Contains("artifacts.partial-", killedIn, StringComparison.Ordinal);
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["verify", caseDir + ".tar.gz"]));
        Assert.Single(await demo.Engine.ListImagesAsync([$"{EvidenceImage.LabelCase}={caseId}"], CancellationToken.None));
        Assert.Single(await demo.Engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{RedeployPlanner.LabelReplacementCase}={caseId}"]), CancellationToken.None));
        var custody = await File.ReadAllLinesAsync(Path.Combine(caseDir, "custody.jsonl"));
        Assert.Single(custody, l => l.Contains("\"action\":\"container.commit\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"succeeded\"", StringComparison.Ordinal));
        Assert.Single(custody, l => l.Contains("\"action\":\"container.kill\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"succeeded\"", StringComparison.Ordinal));
        Assert.Single(custody, l => l.Contains("\"action\":\"replacement.create\"", StringComparison.Ordinal));
        Assert.Single(custody, l => l.Contains("\"action\":\"case.open\"", StringComparison.Ordinal));
        Assert.Empty(Directory.GetDirectories(caseDir, "artifacts.partial-*"));
    }

    [Fact]
    public async Task Respond_KeepsItsOwnLogInTheCaseAsClef_WithTheCommitAndTheKill_AndLogJsonWritesClefToStderr()
    {
        var app = await demo.StartBreachedAsync("clef");
        var outDir = Path.Combine(workDir, "clef");

        var result = await ProcessRunner.DockerIRAsync(["respond", app.ContainerName, "--out-dir", outDir, "--yes", "--log-json"]);

        CliAssert.Success(result);
        var stderr = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(stderr);
        Assert.All(stderr, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("@mt", out _), l));
        var caseDir = Directory.GetDirectories(outDir).Single();
        var events = (await File.ReadAllLinesAsync(Path.Combine(caseDir, "logs", "dockerir.clef"))).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _) && e.TryGetProperty("@mt", out _)));
        var templates = events.Select(e => e.GetProperty("@mt").GetString()).ToList();
        Assert.Contains("Committed {Container} as {ImageId}", templates);
        Assert.Contains("Killed {Container}", templates);
        Assert.Contains(events, e => e.GetProperty("@mt").GetString() == "Killed {Container}" && e.GetProperty("Container").GetString()!.Length > 0);
        // Sealed with the case: in the bundle, and listed in SHA256SUMS.
        var list = await ProcessRunner.RunAsync("tar", ["-tzf", caseDir + ".tar.gz"]);
        Assert.Contains($"{Path.GetFileName(caseDir)}/logs/dockerir.clef", list.StdOut.Split('\n'));
        Assert.Contains("  logs/dockerir.clef", await File.ReadAllTextAsync(Path.Combine(caseDir, "SHA256SUMS")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Respond_PausesFirst_AsksTheEngineForTheSuspectOnceBeforeTheKill_AndPlansOnce()
    {
        var app = await demo.StartBreachedAsync("asks");
        var outDir = Path.Combine(workDir, "asks");

        var result = await ProcessRunner.DockerIRAsync(["respond", app.ContainerName, "--out-dir", outDir, "--yes", "--probe", app.BaseAddress.ToString(), "--debug"]);

        CliAssert.Success(result);
        // --debug shows every engine request; the suspect's inspects before its kill are counted from them.
        var requests = $"{result.StdErr}\n{result.StdOut}".Split('\n').Where(l => l.Contains(" Engine ", StringComparison.Ordinal) && l.Contains("/v1.", StringComparison.Ordinal)).ToList();
        var kill = requests.FindIndex(l => l.Contains($"/containers/{app.ContainerId}/kill", StringComparison.Ordinal));
        Assert.True(kill > 0, string.Join('\n', requests));
        var inspects = requests.Take(kill).Where(l => l.Contains($"/containers/{app.ContainerId}/json", StringComparison.Ordinal)
            || l.Contains($"/containers/{app.ContainerName}/json", StringComparison.Ordinal)).ToList();
        // The pause by the name given is the first request about it; then one inspect, of the frozen container, which
        // opens the case, is kept as evidence, and serves the plan, the preflight and the kill.
        var inspect = Assert.Single(inspects);
        var pause = requests.FindIndex(l => l.Contains($"/containers/{app.ContainerName}/pause", StringComparison.Ordinal));
        Assert.InRange(pause, 0, requests.IndexOf(inspect) - 1);
        Assert.DoesNotContain(requests.Take(pause), l => l.Contains($"/containers/{app.ContainerName}/", StringComparison.Ordinal) || l.Contains($"/containers/{app.ContainerId}/", StringComparison.Ordinal));
        var custody = await File.ReadAllLinesAsync(Path.Combine(Directory.GetDirectories(outDir).Single(), "custody.jsonl"));
        Assert.Single(custody, l => l.Contains("\"action\":\"redeploy.plan\"", StringComparison.Ordinal));
        Assert.Single(custody, l => l.Contains("\"action\":\"case.open\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Respond_WithoutYesAndNoTerminal_RefusesBeforeCreatingAnything()
    {
        var app = await demo.StartAsync("noyes");
        var outDir = Path.Combine(workDir, "noyes");

        var result = await ProcessRunner.DockerIRAsync(["respond", app.ContainerName, "--out-dir", outDir]);

        var line = CliAssert.OneLineError(result, ExitCode.Refused);
        Assert.Contains("--yes", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        Assert.True((await demo.Engine.InspectContainerAsync(app.ContainerId, CancellationToken.None)).State.Running);
    }

    [Fact]
    public async Task Respond_NoRedeploy_SealsTheEvidenceAndKillsNothing()
    {
        var app = await demo.StartBreachedAsync("evidence");
        var outDir = Path.Combine(workDir, "evidence");

        var result = await ProcessRunner.DockerIRAsync(["respond", app.ContainerName, "--out-dir", outDir, "--no-redeploy", "--json"]);

        CliAssert.Success(result);
        var summary = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Equal(4, summary.GetProperty("steps").GetArrayLength());
        Assert.Contains("/var/www/html/shell.php", summary.GetProperty("suspicious").EnumerateArray().Select(e => e.GetString()));
        var bundle = summary.GetProperty("bundlePath").GetString()!;
        Assert.Equal((await File.ReadAllTextAsync(bundle + ".sha256")).Split(' ')[0], summary.GetProperty("bundleSha256").GetString());
        var state = (await demo.Engine.InspectContainerAsync(app.ContainerId, CancellationToken.None)).State;
        Assert.True(state.Running || state.Paused);
        Assert.False(File.Exists(Path.Combine(summary.GetProperty("caseDir").GetString()!, RedeployPlan.FileName)), "no redeploy, so no redeploy plan is sealed");
    }

    /// <summary>Starts dockerir, SIGKILLs it as soon as an extraction staging directory appears, and returns that directory.</summary>
    private static async Task<string> KillDuringExtractionAsync(string[] args, string outDir)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dockerir.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            var staging = Directory.Exists(outDir) ? Directory.GetDirectories(outDir).SelectMany(d => Directory.GetDirectories(d, "artifacts.partial-*")).FirstOrDefault() : null;
            if (staging is not null)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                return staging;
            }

            await Task.Delay(10);
        }

        throw new InvalidOperationException($"respond {(process.HasExited ? $"ended (exit {process.ExitCode})" : "ran on")} without an extraction to interrupt");
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
