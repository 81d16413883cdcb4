using System.Formats.Tar;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir snapshot` on the breached demo app, through the built CLI and the real engine.</summary>
public sealed class SnapshotCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-snap-").FullName;

    /// <summary>Breaches a fresh demo container and snapshots it through the CLI with --json.</summary>
    private async Task<(BreachedApp App, string CaseDir, JsonElement Json)> SnapshotBreachedAsync(string stem)
    {
        var app = await demo.StartBreachedAsync(stem);
        var caseDir = Path.Combine(workDir, "case");
        var result = await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", caseDir, "--json"]);
        CliAssert.Success(result);
        return (app, caseDir, JsonDocument.Parse(result.StdOut).RootElement);
    }

    [Fact]
    public async Task Snapshot_BreachedApp_WritesTheCaseDirectoryAndLabelledEvidenceImage()
    {
        var (app, caseDir, json) = await SnapshotBreachedAsync("snap");

        var caseId = json.GetProperty("caseId").GetString()!;
        var imageId = json.GetProperty("evidenceImageId").GetString()!;
        Assert.Equal(caseDir, json.GetProperty("caseDir").GetString());
        Assert.Equal(app.ContainerId, json.GetProperty("containerId").GetString());
        Assert.Contains(json.GetProperty("changes").EnumerateArray(), c => c.GetProperty("path").GetString() == DemoAttacker.ShellPath);
        foreach (var file in new[] { "case.json", "changes.json", "custody.jsonl", "container/inspect.json", "container/top.json", "container/logs.txt", "container/image-inspect.json" })
        {
            Assert.True(File.Exists(Path.Combine(caseDir, file)), $"{file} missing");
        }

        // The docker CLI, not our client, reads the labels back.
        var inspect = await ProcessRunner.DockerAsync("image", "inspect", imageId, "--format", "{{json .Config.Labels}} {{json .RepoTags}}");
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains($"\"dockerir.case\":\"{caseId}\"", inspect.StdOut, StringComparison.Ordinal);
        Assert.Contains($"\"dockerir.source.container\":\"{app.ContainerId}\"", inspect.StdOut, StringComparison.Ordinal);
        Assert.Contains($"\"dockerir.source.image\":\"{app.ImageId}\"", inspect.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"dockerir.created\":", inspect.StdOut, StringComparison.Ordinal);
        Assert.Contains($"dockerir-evidence/{app.ContainerName}:{caseId}", inspect.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_EvidenceImage_HoldsTheShellReadBackFromANeverStartedContainer()
    {
        var (_, _, json) = await SnapshotBreachedAsync("snap-readback");
        var imageId = json.GetProperty("evidenceImageId").GetString()!;

        var reader = await demo.Engine.CreateContainerAsync(new ContainerSpec { Image = imageId, Labels = demo.Resources.Labels }, null, CancellationToken.None);
        string content;
        await using (var archive = await demo.Engine.GetArchiveAsync(reader, DemoAttacker.ShellPath, CancellationToken.None))
        {
            await using var tar = new TarReader(archive.Content);
            var entry = await tar.GetNextEntryAsync();
            Assert.Equal("shell.php", entry?.Name);
            using var text = new StreamReader(entry!.DataStream!);
            content = await text.ReadToEndAsync();
        }

        Assert.Equal(DemoAttacker.ShellContent, content);
        Assert.Equal("created", (await demo.Engine.InspectContainerAsync(reader, CancellationToken.None)).State.Status);
    }

    [Fact]
    public async Task Snapshot_LeavesTheContainerPausedAndRecordsEveryActionInCustody()
    {
        var app = await demo.StartBreachedAsync("snap-paused");
        var caseDir = Path.Combine(workDir, "case");

        var result = await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", caseDir], new Dictionary<string, string?> { ["DOCKERIR_OPERATOR"] = "responder-7" });

        CliAssert.Success(result);
        Assert.True((await demo.Engine.InspectContainerAsync(app.ContainerId, CancellationToken.None)).State.Paused);
        var custody = await CustodyLog.ReadAsync(Path.Combine(caseDir, "custody.jsonl"), CancellationToken.None);
        CustodyAssert.SnapshotOrder(custody, hostVolatile: true);
        Assert.All(custody, c => Assert.Equal("responder-7", c.Operator));
        Assert.All(custody, c => Assert.NotEqual(CustodyOutcome.Failed, c.Outcome));
        Assert.Contains("httpd", await File.ReadAllTextAsync(Path.Combine(caseDir, "container/top.json")), StringComparison.Ordinal);
        // Frozen first: the stored inspect is the paused container's, and custody says when the freeze came.
        Assert.True(System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "container/inspect.json"))).RootElement.GetProperty("State").GetProperty("Paused").GetBoolean());
        Assert.Matches(@"^frozen \d+ ms after the command started", custody.Single(c => c.Action == "container.pause").Detail);
        Assert.Contains("httpd starting", await File.ReadAllTextAsync(Path.Combine(caseDir, "container/logs.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_Unpause_ResumesTheContainer()
    {
        var app = await demo.StartBreachedAsync("snap-unpause");

        var result = await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", Path.Combine(workDir, "case"), "--unpause"]);

        CliAssert.Success(result);
        var state = (await demo.Engine.InspectContainerAsync(app.ContainerId, CancellationToken.None)).State;
        Assert.True(state.Running);
        Assert.False(state.Paused);
    }

    [Fact]
    public async Task Snapshot_NonEmptyCaseDirectory_IsAConflictAndCommitsNothing()
    {
        var app = await demo.StartBreachedAsync("snap-conflict");
        var caseDir = Path.Combine(workDir, "taken");
        Directory.CreateDirectory(caseDir);
        await File.WriteAllTextAsync(Path.Combine(caseDir, "notes.txt"), "someone else's case");

        var result = await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", caseDir]);

        CliAssert.OneLineError(result, ExitCode.Conflict);
        Assert.False((await demo.Engine.InspectContainerAsync(app.ContainerId, CancellationToken.None)).State.Paused);
        Assert.Empty(await demo.Engine.ListImagesAsync([$"dockerir.source.container={app.ContainerId}"], CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
