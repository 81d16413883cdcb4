using System.Text.Json;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// `dockerir redeploy --service` on a single-node swarm this test creates (and leaves again, with the
/// docker_gwbridge network it brings, when the engine was not in a swarm before), against the real engine.
/// </summary>
public sealed class RedeployServiceTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IAsyncLifetime
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-service-").FullName;
    private bool leaveSwarm;
    private bool removeGwBridge;
    private string? serviceName;

    public async Task InitializeAsync()
    {
        var state = (await ProcessRunner.DockerAsync("info", "--format", "{{.Swarm.LocalNodeState}}")).StdOut.Trim();
        removeGwBridge = (await ProcessRunner.DockerAsync("network", "inspect", "docker_gwbridge")).ExitCode != 0;
        if (state != "active")
        {
            var init = await ProcessRunner.DockerAsync("swarm", "init", "--advertise-addr", "127.0.0.1");
            Assert.True(init.ExitCode == 0, init.StdErr);
            leaveSwarm = true;
        }
    }

    public async Task DisposeAsync()
    {
        if (serviceName is not null)
        {
            await ProcessRunner.DockerAsync("service", "rm", serviceName);
            for (var i = 0; i < 60 && (await ServiceContainersAsync(all: true)).Count > 0; i++)
            {
                await Task.Delay(500);
            }
        }

        if (leaveSwarm)
        {
            await ProcessRunner.DockerAsync("swarm", "leave", "--force");
        }

        if (removeGwBridge)
        {
            await ProcessRunner.DockerAsync("network", "rm", "docker_gwbridge");
        }

        Directory.Delete(workDir, recursive: true);
    }

    private async Task<List<string>> ServiceContainersAsync(bool all)
    {
        string[] args = ["ps", "--no-trunc", "-q", "--filter", $"label=com.docker.swarm.service.name={serviceName}", .. all ? new[] { "-a" } : []];
        var ps = await ProcessRunner.DockerAsync(args);
        return ps.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static async Task<JsonElement> InspectAsync(string reference)
    {
        var result = await ProcessRunner.DockerAsync("inspect", reference);
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement[0];
    }

    [Fact]
    public async Task RedeployService_SnapshotsTheTaskThenUpdatesTheServiceToReadOnlyHardenedTasks()
    {
        serviceName = demo.Resources.Name("svc");
        var create = await ProcessRunner.DockerAsync("service", "create", "--detach", "--name", serviceName,
            "--label", $"{TestResources.TestLabel}=1", "--container-label", $"{TestResources.TestLabel}=1",
            "--container-label", $"{TestResources.RunLabel}={demo.Resources.RunId}", demo.ImageReference);
        Assert.True(create.ExitCode == 0, create.StdErr);
        List<string> tasks = [];
        for (var i = 0; i < 60 && tasks.Count == 0; i++)
        {
            await Task.Delay(500);
            tasks = await ServiceContainersAsync(all: false);
        }

        var oldTask = Assert.Single(tasks);
        // The attacker's drop, written the way the CGI bug would (the test's own doing; dockerir never execs).
        Assert.Equal(0, (await ProcessRunner.DockerAsync("exec", oldTask, "sh", "-c", "echo '<?php system($_GET[c]); ?>' > /var/www/html/shell.php")).ExitCode);
        var versionBefore = (await InspectAsync(serviceName)).GetProperty("Version").GetProperty("Index").GetUInt64();

        // A dry run changes nothing: the same containers, the same service version.
        var dry = await ProcessRunner.DockerIRAsync(["redeploy", "--service", serviceName, "--dry-run", "--json"], workingDirectory: workDir);
        CliAssert.Success(dry);
        var plan = JsonDocument.Parse(dry.StdOut).RootElement;
        Assert.True(plan.GetProperty("specAfter").GetProperty("TaskTemplate").GetProperty("ContainerSpec").GetProperty("ReadOnly").GetBoolean());
        Assert.Contains(plan.GetProperty("tmpfs").EnumerateArray(), t => t.GetProperty("path").GetString() == "/var/run");
        Assert.Equal(versionBefore, (await InspectAsync(serviceName)).GetProperty("Version").GetProperty("Index").GetUInt64());
        Assert.Equal([oldTask], await ServiceContainersAsync(all: true));
        Assert.False(Directory.Exists(Path.Combine(workDir, "cases")));

        var result = await ProcessRunner.DockerIRAsync(["redeploy", "--service", serviceName, "--yes", "--json", "--out-dir", "svc-cases"], workingDirectory: workDir);

        CliAssert.Success(result);
        var outcome = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.True(outcome.GetProperty("passed").GetBoolean());

        // The old task was snapshotted first: its case holds the change set with the shell and a committed evidence image.
        var evidence = Assert.Single(outcome.GetProperty("evidence").EnumerateArray());
        Assert.Equal(oldTask, evidence.GetProperty("containerId").GetString());
        var caseDir = evidence.GetProperty("caseDir").GetString()!;
        Assert.Contains("/var/www/html/shell.php", await File.ReadAllTextAsync(Path.Combine(workDir, caseDir, "changes.json")), StringComparison.Ordinal);
        var evidenceImage = await InspectAsync(evidence.GetProperty("evidenceImageId").GetString()!);
        Assert.Equal(oldTask, evidenceImage.GetProperty("Config").GetProperty("Labels").GetProperty("dockerir.source.container").GetString());
        var custody = (await File.ReadAllLinesAsync(Path.Combine(workDir, caseDir, "custody.jsonl")))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("action").GetString()).ToList();
        Assert.True(custody.IndexOf("image.commit") < custody.IndexOf("service.update"), string.Join(", ", custody));
        Assert.Contains("service.tasks", custody);

        // The service's task container now runs read-only with the plan's tmpfs and hardening; the old one is gone from service.
        var newTask = Assert.Single(await ServiceContainersAsync(all: false));
        Assert.NotEqual(oldTask, newTask);
        var task = await InspectAsync(newTask);
        Assert.True(task.GetProperty("State").GetProperty("Running").GetBoolean());
        var host = task.GetProperty("HostConfig");
        Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.Contains(task.GetProperty("Mounts").EnumerateArray(), m => m.GetProperty("Type").GetString() == "tmpfs" && m.GetProperty("Destination").GetString() == "/var/run");
        Assert.Contains("NET_RAW", host.GetProperty("CapDrop").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(RedeployPlanner.DefaultMemory, host.GetProperty("Memory").GetInt64());
        Assert.Equal(RedeployPlanner.DefaultPids, host.GetProperty("PidsLimit").GetInt64());
        var again = await ProcessRunner.DockerAsync("exec", newTask, "sh", "-c", "echo x > /var/www/html/again.php");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("Read-only file system", again.StdErr, StringComparison.Ordinal);
        var diff = await ProcessRunner.DockerAsync("diff", newTask);
        Assert.All(diff.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(@"^C /var(/run)?$", line));

        // The rest of the spec is kept: name, labels and image are the service's own.
        var spec = (await InspectAsync(serviceName)).GetProperty("Spec");
        Assert.Equal("1", spec.GetProperty("Labels").GetProperty(TestResources.TestLabel).GetString());
        Assert.StartsWith(demo.ImageReference, spec.GetProperty("TaskTemplate").GetProperty("ContainerSpec").GetProperty("Image").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedeployService_UnknownServiceOrBothTargets_FailWithOneLine()
    {
        var unknown = await ProcessRunner.DockerIRAsync(["redeploy", "--service", "dockerir-test-no-such-service", "--yes"], workingDirectory: workDir);
        Assert.Contains("no such service", CliAssert.OneLineError(unknown, ExitCode.NotFound), StringComparison.Ordinal);

        var both = await ProcessRunner.DockerIRAsync(["redeploy", "web", "--service", "web", "--yes"], workingDirectory: workDir);
        Assert.Equal((int)ExitCode.Usage, both.ExitCode);
        Assert.Contains("either CONTAINER or --service", both.StdErr, StringComparison.Ordinal);
    }
}
