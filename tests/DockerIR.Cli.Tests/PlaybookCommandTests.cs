using System.Text.Json;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>The shipped playbooks, run through the built CLI against the real engine.</summary>
public sealed class PlaybookCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-playbook-").FullName;

    private static string Shipped(string name)
    {
        var dir = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(dir, "playbooks")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("playbooks/ not found above the test assembly");
        }

        return Path.Combine(dir, "playbooks", name);
    }

    /// <summary>This class's containers and images (other test classes use the engine at the same time; anything a run made would carry our label).</summary>
    private async Task<string> EngineStateAsync()
    {
        var selector = $"label={TestResources.RunLabel}={demo.Resources.RunId}";
        var containers = await ProcessRunner.DockerAsync("ps", "-a", "--no-trunc", "--filter", selector, "--format", "{{.ID}} {{.Names}} {{.State}} {{.Image}}");
        var images = await ProcessRunner.DockerAsync("images", "-a", "--no-trunc", "--filter", selector, "--format", "{{.ID}} {{.Repository}}:{{.Tag}}");
        // Sorted: the engine lists images created in the same second in no stable order.
        return string.Join('\n', (containers.StdOut + images.StdOut).Split('\n').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WebRceRecovery_DryRun_PrintsThePlanAndLeavesTheEngineUnchanged()
    {
        var app = await demo.StartBreachedAsync("pb-dry");
        var before = await EngineStateAsync();

        var result = await ProcessRunner.DockerIRAsync(["playbook", "run", Shipped("web-rce-recovery.yaml"), "--dry-run", "--var", $"target={app.ContainerName}",
            "--var", $"url={app.BaseAddress}"], workingDirectory: workDir);

        CliAssert.Success(result);
        Assert.Contains("dry run: nothing was changed", result.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"snapshot → redeploy\([^)]*\) → extract → bundle → verify", result.StdOut);
        Assert.Contains("ReadonlyRootfs", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("tmpfs /var/run", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(before, await EngineStateAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(workDir));
    }

    [Fact]
    public async Task Validate_TypoInAStepName_NamesLineAndColumn()
    {
        var file = Path.Combine(workDir, "typo.yaml");
        var text = (await File.ReadAllTextAsync(Shipped("web-rce-recovery.yaml"))).Replace("- step: extract", "- step: extrakt", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, text);
        var line = text.Split('\n').ToList().FindIndex(l => l.Contains("extrakt", StringComparison.Ordinal)) + 1;

        var result = await ProcessRunner.DockerIRAsync(["playbook", "validate", file, "--var", "target=x", "--var", "url=http://127.0.0.1:1/"]);

        var error = CliAssert.OneLineError(result, ExitCode.Usage);
        Assert.Contains($"{file}:{line}:11: unknown step 'extrakt'; did you mean 'extract'?", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_EveryShippedPlaybookAtOnce_WithoutVars_PassesAndListsWhatARunMustGive()
    {
        var shipped = Directory.GetFiles(Path.GetDirectoryName(Shipped("web-rce-recovery.yaml"))!, "*.yaml").Order(StringComparer.Ordinal).ToArray();
        Assert.True(shipped.Length >= 3);

        var result = await ProcessRunner.DockerIRAsync(["playbook", "validate", .. shipped]);

        CliAssert.Success(result);
        Assert.All(shipped, f => Assert.Contains($"valid: {f}: ", result.StdOut, StringComparison.Ordinal));
        var web = result.StdOut[result.StdOut.IndexOf("web-rce-recovery.yaml: ", StringComparison.Ordinal)..];
        Assert.Contains("a run must give --var target=VALUE", web, StringComparison.Ordinal);
        Assert.Contains("a run must give --var url=VALUE", web, StringComparison.Ordinal);

        // A bad file among good ones: each bad one is named on its own line, the good ones still checked, exit 1.
        var typo = Path.Combine(workDir, "typo-many.yaml");
        await File.WriteAllTextAsync(typo, (await File.ReadAllTextAsync(shipped[0])).Replace("- step: snapshot", "- step: snapshoot", StringComparison.Ordinal));
        var missing = Path.Combine(workDir, "no-such.yaml");
        var mixed = await ProcessRunner.DockerIRAsync(["playbook", "validate", typo, .. shipped, missing]);
        Assert.Equal((int)ExitCode.Usage, mixed.ExitCode);
        Assert.All(shipped, f => Assert.Contains($"valid: {f}: ", mixed.StdOut, StringComparison.Ordinal));
        var errors = mixed.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.Contains($"{typo}:", errors[0], StringComparison.Ordinal);
        Assert.Contains($"{missing}: no such file or directory", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FleetSnapshot_SelectorMatchingThreeContainers_ProducesThreeVerifiableBundles()
    {
        var fleet = $"fleet-{demo.Resources.RunId}";
        var labels = new Dictionary<string, string>(demo.Resources.Labels) { ["dockerir.test.fleet"] = fleet };
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await demo.Engine.CreateContainerAsync(DemoWebApp.Spec(demo.ImageReference, labels), demo.Resources.Name($"fleet{i}"), CancellationToken.None);
            await demo.Engine.StartAsync(id, CancellationToken.None);
            ids.Add(id);
        }

        var runDir = Path.Combine(workDir, "fleet");
        var result = await ProcessRunner.DockerIRAsync(["playbook", "run", Shipped("fleet-snapshot.yaml"), "--var", $"selector=dockerir.test.fleet={fleet}", "--out-dir", runDir, "--json"]);

        CliAssert.Success(result);
        var cases = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(ids.Order(), cases.Select(c => c.GetProperty("containerId").GetString()!).Order());
        foreach (var c in cases)
        {
            var bundle = c.GetProperty("bundlePath").GetString()!;
            CliAssert.Success(await ProcessRunner.DockerIRAsync(["verify", bundle]));
            // Each case holds its own container only.
            var caseJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(c.GetProperty("caseDir").GetString()!, "case.json"))).RootElement;
            Assert.Equal(c.GetProperty("containerId").GetString(), caseJson.GetProperty("container").GetProperty("id").GetString());
        }

        Assert.Equal(3, cases.Select(c => c.GetProperty("bundlePath").GetString()).Distinct().Count());
        foreach (var id in ids)
        {
            Assert.True((await demo.Engine.InspectContainerAsync(id, CancellationToken.None)).State.Running);
        }
    }

    [Fact]
    public async Task WebRceRecovery_Run_RelaunchesReadOnlyAndProbes()
    {
        var app = await demo.StartBreachedAsync("pb-run");

        var result = await ProcessRunner.DockerIRAsync(["playbook", "run", Shipped("web-rce-recovery.yaml"), "--var", $"target={app.ContainerName}",
            "--var", $"url={app.BaseAddress}", "--out-dir", Path.Combine(workDir, "run"), "--yes", "--json"]);

        CliAssert.Success(result);
        var c = Assert.Single(JsonDocument.Parse(result.StdOut).RootElement.GetProperty("cases").EnumerateArray());
        Assert.True(c.GetProperty("probes")[0].GetProperty("passed").GetBoolean());
        var replacement = await demo.Engine.InspectContainerAsync(app.ContainerName, CancellationToken.None);
        Assert.True(replacement.HostConfig.ReadonlyRootfs);
        Assert.Equal(app.ImageId, replacement.ImageId);
        Assert.Equal(DemoWebApp.OriginalIndex, await demo.Http.GetStringAsync(app.BaseAddress));
    }

    [Fact]
    public async Task Quarantine_Run_ContainsWithoutKilling()
    {
        var app = await demo.StartBreachedAsync("pb-quar");

        var result = await ProcessRunner.DockerIRAsync(["playbook", "run", Shipped("quarantine.yaml"), "--var", $"target={app.ContainerName}", "--out-dir", Path.Combine(workDir, "quar")]);

        CliAssert.Success(result);
        var state = await demo.Engine.InspectContainerAsync(app.ContainerId, CancellationToken.None);
        Assert.True(state.State.Paused);
        Assert.Empty(state.Networks);
        Assert.Equal(app.ContainerName, state.Name);
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
