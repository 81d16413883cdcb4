using DockerIR.Core.Case;
using DockerIR.Core;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Faults.Tests;

/// <summary>
/// The case directory's own filesystem fails under a respond: full (during extract, during bundle), made read-only,
/// or the case directory deleted. Each runs on a small tmpfs mounted for the test and unmounted after it.
/// </summary>
public sealed class StorageFaultTests(DemoAppFixture demo, ITestOutputHelper output) : IClassFixture<DemoAppFixture>, IAsyncLifetime
{
    private readonly string work = Directory.CreateTempSubdirectory("dockerir-faults-storage-").FullName;
    private string volume = "";

    public async Task InitializeAsync()
    {
        volume = Path.Combine(work, "volume");
        Directory.CreateDirectory(volume);
        FaultKit.Success(await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=32m", "dockerir-faults", volume]), "mount a tmpfs for the case directory");
    }

    public async Task DisposeAsync()
    {
        await ProcessRunner.RunAsync("umount", ["-l", volume]);
        Directory.Delete(work, recursive: true);
    }

    [Theory]
    [InlineData(FaultPoints.ExtractEntry, 1)]
    [InlineData(FaultPoints.BundleFile, 3)]
    public async Task DiskFull_FailsWithStorageError_NothingClaimed_ResumeFinishesOnceSpaceIsFreed(string point, int hit)
    {
        var stem = point.Replace('.', '-');
        var reference = await InterruptAndEngineTests.ReferenceAsync(demo, work, stem);
        var app = await demo.StartBreachedAsync(stem);
        var outDir = Path.Combine(volume, stem);
        var filler = Path.Combine(volume, "filler");

        var result = await FaultKit.RunStalledAsync(InterruptAndEngineTests.Respond(app, outDir), point, hit, work, () => FillAsync(filler));

        var line = FaultKit.OneLineFailure(result, 11);
        Assert.Contains("No space left on device", line, StringComparison.Ordinal);
        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        Assert.False(File.Exists(caseDir + ".tar.gz"), "a bundle that could not be written must not exist under its name");
        Assert.Empty(Directory.GetFiles(outDir, "*.partial-*"));
        await FaultKit.CheckAfterFaultAsync(demo.Engine, app.ContainerId, outDir, reference, $"disk full at {point}");
        // Service first: the suspect was killed after its commit (checked above) and the replacement serves while the evidence waits for space.
        Assert.Equal("exited", await FaultKit.StateAsync(demo.Engine, app.ContainerId));
        Assert.Single(await demo.Engine.ListContainersAsync(new ContainerListFilter(All: false, Labels: [$"{RedeployPlanner.LabelReplacementCase}={Path.GetFileName(caseDir)}"]), CancellationToken.None));

        File.Delete(filler);
        FaultKit.Success(await FaultKit.RunAsync(["respond", "--resume", caseDir, "--yes"], fault: null), "resume after freeing space");
        await FaultKit.CheckFinishedAsync(demo.Engine, app.ContainerId, caseDir, reference, $"disk full at {point}");
        FaultKit.Say(output, $"disk full at {point} #{hit}: exit 11, '{line}'; resume finished once space was freed");
    }

    [Fact]
    public async Task ReadOnlyDuringExtract_FailsWithStorageError_ResumeFinishesOnceWritable()
    {
        var reference = await InterruptAndEngineTests.ReferenceAsync(demo, work, "ro");
        var app = await demo.StartBreachedAsync("ro");
        var outDir = Path.Combine(volume, "ro");

        // A read-only bind mount over the case directory: the files dockerir holds open stay writable (the kernel
        // refuses to remount a filesystem read-only under them), everything it opens next is read-only.
        var result = await FaultKit.RunStalledAsync(InterruptAndEngineTests.Respond(app, outDir), FaultPoints.ExtractEntry, 1, work, async () =>
        {
            var caseDir = Assert.Single(FaultKit.Cases(outDir));
            FaultKit.Success(await ProcessRunner.RunAsync("mount", ["--bind", caseDir, caseDir]), "bind the case directory");
            FaultKit.Success(await ProcessRunner.RunAsync("mount", ["-o", "remount,bind,ro", caseDir]), "make the case directory read-only");
        });

        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        string line;
        try
        {
            line = FaultKit.OneLineFailure(result, 11);
            Assert.Contains("Read-only file system", line, StringComparison.Ordinal);
            await FaultKit.CheckAfterFaultAsync(demo.Engine, app.ContainerId, outDir, reference, "read-only");
        }
        finally
        {
            FaultKit.Success(await ProcessRunner.RunAsync("umount", [caseDir]), "make the case directory writable again");
        }

        Assert.False(File.Exists(Path.Combine(caseDir, Manifest.FileName)));
        FaultKit.Success(await FaultKit.RunAsync(["respond", "--resume", caseDir, "--yes"], fault: null), "resume once writable");
        await FaultKit.CheckFinishedAsync(demo.Engine, app.ContainerId, caseDir, reference, "read-only");
        FaultKit.Say(output, $"read-only during extract: exit 11, '{line}'; resume finished once writable");
    }

    [Fact]
    public async Task CaseDirectoryDeletedDuringTheCommit_FailsWithStorageError_NothingKilled_ARerunFinishes()
    {
        var app = await demo.StartBreachedAsync("deleted");
        var outDir = Path.Combine(volume, "deleted");

        // Before the commit is recorded, so before any kill: the case that would prove the commit is gone.
        var result = await FaultKit.RunStalledAsync(InterruptAndEngineTests.Respond(app, outDir), FaultPoints.SnapshotCommit, 1, work, () => DeleteWhileWrittenAsync(FaultKit.Cases(outDir)));

        var line = FaultKit.OneLineFailure(result, 11);
        Assert.Empty(FaultKit.Cases(outDir));
        Assert.Empty(Directory.GetFiles(outDir, "*.tar.gz"));
        Assert.True(await FaultKit.StateAsync(demo.Engine, app.ContainerId) is "running" or "paused", "the suspect must not be killed when its case is gone");

        FaultKit.Success(await FaultKit.RunAsync(InterruptAndEngineTests.Respond(app, outDir), fault: null), "a fresh respond after the case was deleted");
        var caseDir = Assert.Single(FaultKit.Cases(outDir));
        FaultKit.Success(await ProcessRunner.DockerIRAsync(["verify", caseDir + ".tar.gz"]), "verify the new bundle");
        FaultKit.Say(output, $"case directory deleted during the commit: exit 11, '{line}'; a fresh respond finished");
    }

    /// <summary>
    /// Deletes case directories that dockerir may still be writing into (the snapshot reads the volatile state while
    /// the commit is stalled): a file made during the deletion makes it fail with "Directory not empty", so it is tried
    /// again until the directory is gone.
    /// </summary>
    private static async Task DeleteWhileWrittenAsync(IEnumerable<string> caseDirs)
    {
        foreach (var dir in caseDirs)
        {
            for (var attempt = 1; Directory.Exists(dir); attempt++)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception e) when ((e is IOException) && attempt < 50)
                {
                    await Task.Delay(20);
                }
            }
        }
    }

    /// <summary>Writes zeros until the volume is full, to the last page.</summary>
    private static async Task FillAsync(string filler)
    {
        await using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        foreach (var size in new[] { 1 << 20, 4096 })
        {
            var block = new byte[size];
            try
            {
                while (true)
                {
                    await stream.WriteAsync(block);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
