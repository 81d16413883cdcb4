using System.Text.Json;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir redeploy` and `dockerir contain` through the built CLI, against the real engine.</summary>
public sealed class RedeployCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IDisposable
{
    private static readonly string[] Actions = ["redeploy.plan", "container.kill", "container.rename", "replacement.create", "replacement.start", "replacement.probe"];
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-redeploy-").FullName;

    private async Task<string> SnapshotAsync(string container, string stem)
    {
        var caseDir = Path.Combine(workDir, stem);
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["snapshot", container, "--case-dir", caseDir]));
        return caseDir;
    }

    /// <summary>A container of the demo image running a shell script, labelled for this run.</summary>
    private async Task<string> StartScriptAsync(string stem, string script, bool start = true, Func<HostConfigInfo, HostConfigInfo>? host = null)
    {
        var spec = new ContainerSpec
        {
            Image = demo.ImageReference,
            Cmd = ["/bin/sh", "-c", script],
            Labels = demo.Resources.Labels,
            HostConfig = (host ?? (h => h))(new HostConfigInfo()),
        };
        var id = await demo.Engine.CreateContainerAsync(spec, demo.Resources.Name(stem), CancellationToken.None);
        if (start)
        {
            await demo.Engine.StartAsync(id, CancellationToken.None);
        }

        return id;
    }

    private static async Task<JsonElement> InspectAsync(string container)
    {
        var result = await ProcessRunner.DockerAsync("inspect", container);
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement[0];
    }

    private static string[] Strings(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];

    [Fact]
    public async Task Redeploy_BreachedApp_RelaunchesTheOriginalImageReadOnlyAndTheAttackNoLongerWrites()
    {
        var app = await demo.StartBreachedAsync("rd");
        var caseDir = await SnapshotAsync(app.ContainerName, "rd");

        var result = await ProcessRunner.DockerIRAsync(["redeploy", app.ContainerName, "--case-dir", caseDir, "--yes", "--probe", app.BaseAddress.ToString()]);

        CliAssert.Success(result);
        var caseId = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "case.json"))).RootElement.GetProperty("caseId").GetString()!;
        var replacement = await InspectAsync(app.ContainerName);
        Assert.NotEqual(app.ContainerId, replacement.GetProperty("Id").GetString());
        Assert.Equal(app.ImageId, replacement.GetProperty("Image").GetString());
        Assert.True(replacement.GetProperty("State").GetProperty("Running").GetBoolean());
        var host = replacement.GetProperty("HostConfig");
        Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.True(host.GetProperty("Tmpfs").TryGetProperty("/var/run", out _));
        Assert.Contains("no-new-privileges:true", Strings(host.GetProperty("SecurityOpt")));
        Assert.Contains("NET_RAW", Strings(host.GetProperty("CapDrop")));
        Assert.Contains("SYS_ADMIN", Strings(host.GetProperty("CapDrop")));
        Assert.Equal(RedeployPlanner.DefaultMemory, host.GetProperty("Memory").GetInt64());
        Assert.Equal(RedeployPlanner.DefaultPids, host.GetProperty("PidsLimit").GetInt64());
        Assert.Equal(RedeployPlanner.DefaultNanoCpus, host.GetProperty("NanoCpus").GetInt64());

        // It serves the original site at the same address, and the attacker's request now fails to write.
        Assert.Equal(DemoWebApp.OriginalIndex, await demo.Http.GetStringAsync(app.BaseAddress));
        var attack = await new DemoAttacker(demo.Http).BreachAsync(app.BaseAddress, CancellationToken.None);
        Assert.Contains("Read-only file system", attack, StringComparison.Ordinal);
        // Auditing the replacement shows what the plan fixed: no read-only, no-new-privileges, memory or pids finding.
        var audit = await ProcessRunner.DockerIRAsync(["audit", app.ContainerName, "--json"]);
        CliAssert.Success(audit);
        var auditIds = JsonDocument.Parse(audit.StdOut).RootElement.GetProperty("containers")[0].GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("id").GetString()).ToList();
        Assert.DoesNotContain("5.13", auditIds);
        Assert.DoesNotContain("5.26", auditIds);
        Assert.DoesNotContain("5.11", auditIds);
        Assert.DoesNotContain("5.29", auditIds);
        var suspectAudit = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "audit.json"))).RootElement.GetProperty("containers")[0]
            .GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
        Assert.Contains("5.13", suspectAudit);
        Assert.Contains("5.26", suspectAudit);

        var diff = await ProcessRunner.DockerAsync("diff", app.ContainerName);
        Assert.Equal(0, diff.ExitCode);
        Assert.All(diff.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("C /var/run", line, StringComparison.Ordinal));
        Assert.Equal(404, (int)(await demo.Http.GetAsync(new Uri(app.BaseAddress, "shell.php"))).StatusCode);

        // The suspect is kept, stopped, under its quarantine name.
        var kept = await InspectAsync(RedeployPlanner.QuarantineName(app.ContainerName, caseId));
        Assert.Equal(app.ContainerId, kept.GetProperty("Id").GetString());
        Assert.False(kept.GetProperty("State").GetProperty("Running").GetBoolean());
        var custody = await File.ReadAllTextAsync(Path.Combine(caseDir, "custody.jsonl"));
        var order = Actions.Select(a => custody.IndexOf($"\"action\":\"{a}\"", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
    }

    [Fact]
    public async Task Redeploy_DryRun_ChangesNothingInTheEngineOrTheCase()
    {
        var app = await demo.StartBreachedAsync("dry");
        var caseDir = await SnapshotAsync(app.ContainerName, "dry");
        string[] list = ["ps", "-a", "--no-trunc", "--filter", $"label={TestResources.RunLabel}={demo.Resources.RunId}", "--format", "{{.ID}} {{.Names}} {{.State}} {{.Image}}"];
        var before = await ProcessRunner.DockerAsync(list);
        var custodyBefore = await File.ReadAllBytesAsync(Path.Combine(caseDir, "custody.jsonl"));

        var result = await ProcessRunner.DockerIRAsync(["redeploy", app.ContainerName, "--case-dir", caseDir, "--dry-run", "--json"]);

        CliAssert.Success(result);
        var plan = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Equal(app.ImageId, plan.GetProperty("imageId").GetString());
        Assert.True(plan.GetProperty("replacement").GetProperty("hostConfig").GetProperty("readonlyRootfs").GetBoolean());
        Assert.Contains(plan.GetProperty("tmpfs").EnumerateArray(), t => t.GetProperty("path").GetString() == "/var/run");
        Assert.Contains(plan.GetProperty("writeProfile").GetProperty("locations").EnumerateArray(), l => l.GetProperty("path").GetString() == "/var/run" && l.GetProperty("seen").GetString() == "canary");
        Assert.Equal((await ProcessRunner.DockerAsync(list)).StdOut, before.StdOut);
        Assert.Equal(custodyBefore, await File.ReadAllBytesAsync(Path.Combine(caseDir, "custody.jsonl")));
    }

    [Fact]
    public async Task Redeploy_WithoutEvidence_RefusesAndSaysHowToTakeIt()
    {
        var app = await demo.StartAsync("noev");

        var result = await ProcessRunner.DockerIRAsync(["redeploy", app.ContainerName, "--yes"], workingDirectory: workDir);

        var line = CliAssert.OneLineError(result, ExitCode.Refused);
        Assert.Contains($"dockerir snapshot {app.ContainerName}", line, StringComparison.Ordinal);
        Assert.Contains("--no-evidence", line, StringComparison.Ordinal);
        Assert.True((await InspectAsync(app.ContainerId)).GetProperty("State").GetProperty("Running").GetBoolean());
    }

    [Fact]
    public async Task Redeploy_WithoutYesAndNoTerminal_RefusesToKill()
    {
        var app = await demo.StartAsync("noyes");
        var caseDir = await SnapshotAsync(app.ContainerName, "noyes");

        var result = await ProcessRunner.DockerIRAsync(["redeploy", app.ContainerName, "--case-dir", caseDir]);

        var line = CliAssert.OneLineError(result, ExitCode.Refused);
        Assert.Contains("--yes", line, StringComparison.Ordinal);
        Assert.Equal(app.ContainerId, (await InspectAsync(app.ContainerName)).GetProperty("Id").GetString());
    }

    [Fact]
    public async Task Redeploy_ForcedPastAFailedPreflight_FailsItsProbeAndLeavesBothContainers()
    {
        // The app writes its state only when its root is read-only, so no canary of the writable image sees the write:
        // the preflight fails; --force kills anyway, and the relaunched replacement fails its probe the same way.
        var id = await StartScriptAsync("probe", "if grep -q ' / overlay ro' /proc/mounts; then mkdir -p /srv/app && echo up > /srv/app/state || exit 3; fi; exec sleep 600");
        var name = demo.Resources.Name("probe");
        var caseDir = await SnapshotAsync(name, "probe");

        var result = await ProcessRunner.DockerIRAsync(["redeploy", name, "--case-dir", caseDir, "--yes", "--force", "--quiet"]);

        // A warning that the preflight failed and the kill was forced, then the probe's failure as the one error line.
        Assert.Equal((int)ExitCode.ProbeFailed, result.ExitCode);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("WRN The replacement failed its preflight; killing anyway (--force)", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("dockerir: error: the replacement failed its probe", lines[1], StringComparison.Ordinal);
        Assert.Contains("left in place", lines[1], StringComparison.Ordinal);
        Assert.Contains("Read-only file system", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("preflight FAILED (killed anyway: --force)", result.StdOut, StringComparison.Ordinal);
        var caseId = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "case.json"))).RootElement.GetProperty("caseId").GetString()!;
        Assert.Equal(id, (await InspectAsync(RedeployPlanner.QuarantineName(name, caseId))).GetProperty("Id").GetString());
        Assert.NotEqual(id, (await InspectAsync(name)).GetProperty("Id").GetString());
        var custody = await File.ReadAllTextAsync(Path.Combine(caseDir, "custody.jsonl"));
        Assert.True(custody.IndexOf("\"action\":\"replacement.preflight\",", StringComparison.Ordinal) < custody.IndexOf("\"action\":\"container.kill\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redeploy_PrivilegedSuspectWithHostMounts_ReplacementHasNoneOfThem()
    {
        // Never started: a privileged container cannot start on this machine, but its configuration is what is planned from.
        await StartScriptAsync("priv", "exec sleep 600", start: false, host: h => h with
        {
            Privileged = true,
            Binds = ["/var/run/docker.sock:/var/run/docker.sock", "/etc:/host/etc:ro"],
            SecurityOpt = ["apparmor=unconfined"],
            PidMode = "host",
            CapAdd = ["SYS_ADMIN"],
        });
        var name = demo.Resources.Name("priv");
        var caseDir = await SnapshotAsync(name, "priv");

        var result = await ProcessRunner.DockerIRAsync(["redeploy", name, "--case-dir", caseDir, "--yes", "--json"]);

        CliAssert.Success(result);
        var host = (await InspectAsync(name)).GetProperty("HostConfig");
        Assert.False(host.GetProperty("Privileged").GetBoolean());
        Assert.Empty(Strings(host.GetProperty("Binds")));
        Assert.DoesNotContain("apparmor=unconfined", Strings(host.GetProperty("SecurityOpt")));
        Assert.NotEqual("host", host.GetProperty("PidMode").GetString());
        Assert.Empty(Strings(host.GetProperty("CapAdd")));
        Assert.True(JsonDocument.Parse(result.StdOut).RootElement.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Redeploy_StrictProfile_DropsAllCapabilitiesAndStillServes()
    {
        var app = await demo.StartBreachedAsync("strict");
        var caseDir = await SnapshotAsync(app.ContainerName, "strict");

        var result = await ProcessRunner.DockerIRAsync(["redeploy", app.ContainerName, "--case-dir", caseDir, "--yes", "--profile", "strict", "--probe", app.BaseAddress.ToString()]);

        CliAssert.Success(result);
        Assert.Equal(["ALL"], Strings((await InspectAsync(app.ContainerName)).GetProperty("HostConfig").GetProperty("CapDrop")));
        Assert.Equal(DemoWebApp.OriginalIndex, await demo.Http.GetStringAsync(app.BaseAddress));
    }

    [Fact]
    public async Task Contain_ThenUndo_DisconnectsAndPausesThenRestores()
    {
        var app = await demo.StartAsync("contain");
        var caseDir = Path.Combine(workDir, "contain");

        var contained = await ProcessRunner.DockerIRAsync(["contain", app.ContainerName, "--case-dir", caseDir, "--json"]);

        CliAssert.Success(contained);
        var state = await InspectAsync(app.ContainerName);
        Assert.True(state.GetProperty("State").GetProperty("Paused").GetBoolean());
        Assert.Empty(state.GetProperty("NetworkSettings").GetProperty("Networks").EnumerateObject());
        Assert.Contains("\"network\": \"bridge\"", await File.ReadAllTextAsync(Path.Combine(caseDir, "containment.json")), StringComparison.Ordinal);

        var undone = await ProcessRunner.DockerIRAsync(["contain", app.ContainerName, "--case-dir", caseDir, "--undo"]);

        CliAssert.Success(undone);
        state = await InspectAsync(app.ContainerName);
        Assert.False(state.GetProperty("State").GetProperty("Paused").GetBoolean());
        Assert.True(state.GetProperty("NetworkSettings").GetProperty("Networks").TryGetProperty("bridge", out _));
        var custody = await File.ReadAllTextAsync(Path.Combine(caseDir, "custody.jsonl"));
        Assert.Contains("\"action\":\"contain.disconnect\"", custody, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"contain.undo.unpause\"", custody, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
