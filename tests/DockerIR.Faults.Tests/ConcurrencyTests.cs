using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Demo;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Faults.Tests;

/// <summary>A response to ten breached containers at once: a playbook with parallel: 5.</summary>
public sealed class ConcurrencyTests(DemoAppFixture demo, ITestOutputHelper output) : IClassFixture<DemoAppFixture>, IDisposable
{
    private const int Containers = 10;
    private readonly string work = Directory.CreateTempSubdirectory("dockerir-faults-parallel-").FullName;

    [Fact]
    public async Task TenContainersParallelFive_TenSeparateVerifiableBundles_NoEntryCrossesCases()
    {
        var fleet = $"fleet-{demo.Resources.RunId}";
        var labels = new Dictionary<string, string>(demo.Resources.Labels) { ["dockerir.test.fleet"] = fleet };
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Containers; i++)
        {
            var name = demo.Resources.Name($"p{i}");
            var id = await demo.Engine.CreateContainerAsync(DemoWebApp.Spec(demo.ImageReference, labels), name, CancellationToken.None);
            await demo.Engine.StartAsync(id, CancellationToken.None);
            // Each container gets a file of its own, so a case holding another's entry shows.
            var mark = Path.Combine(work, $"owner-{i}.txt");
            await File.WriteAllTextAsync(mark, $"owned by {id}\n");
            FaultKit.Success(await ProcessRunner.DockerAsync("cp", mark, $"{id}:/var/www/html/owner.txt"), "docker cp the owner mark");
            owners[id] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"owned by {id}\n")));
        }

        var playbook = Path.Combine(work, "respond-fleet.yaml");
        await File.WriteAllTextAsync(playbook, """
            name: respond-fleet
            description: the whole response to every container of a fleet, five at a time
            vars:
              selector:
            targets:
              selector: ${selector}
            parallel: 5
            steps:
              - step: snapshot
              - step: extract
              - step: bundle
              - step: verify
              - step: redeploy
            """);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await ProcessRunner.DockerIRAsync(["playbook", "run", playbook, "--var", $"selector=dockerir.test.fleet={fleet}", "--out-dir", Path.Combine(work, "out"), "--yes", "--json"],
            timeout: TimeSpan.FromMinutes(5));

        FaultKit.Success(result, "playbook run");
        var cases = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(owners.Keys.Order(), cases.Select(c => c.GetProperty("containerId").GetString()!).Order());
        Assert.Equal(Containers, cases.Select(c => c.GetProperty("bundlePath").GetString()).Distinct().Count());
        foreach (var c in cases)
        {
            var id = c.GetProperty("containerId").GetString()!;
            var caseDir = c.GetProperty("caseDir").GetString()!;
            FaultKit.Success(await ProcessRunner.DockerIRAsync(["verify", c.GetProperty("bundlePath").GetString()!]), $"verify the bundle of {id}");
            var caseJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "case.json"))).RootElement;
            Assert.Equal(id, caseJson.GetProperty("container").GetProperty("id").GetString());
            var key = FaultKit.ManifestKey(caseDir);
            Assert.Contains($"/var/www/html/owner.txt Added {owners[id]}", key);
            Assert.DoesNotContain(key, k => owners.Where(o => o.Key != id).Any(o => k.Contains(o.Value, StringComparison.Ordinal)));
            Assert.Contains(FaultKit.Custody(caseDir), r => r.Action == "container.kill");
            Assert.DoesNotContain(FaultKit.Custody(caseDir), r => r.CaseId != Path.GetFileName(caseDir));
        }

        FaultKit.Say(output, $"parallel: {Containers} containers, parallel 5: {Containers} separate bundles verified, no entry crosses cases, in {watch.Elapsed.TotalSeconds:0} s");
    }

    public void Dispose() => Directory.Delete(work, recursive: true);
}
