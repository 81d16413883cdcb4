using DockerIR.Core.Case;

namespace DockerIR.Core.Tests;

public sealed class CaseDirectoryTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "dockerir-case-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void CreateNew_NonEmptyDirectory_IsRefused()
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "other.txt"), "x");

        var e = Assert.Throws<DockerIRException>(() => CaseDirectory.CreateNew(root));

        Assert.Equal(FailureKind.Conflict, e.Kind);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("container/../../escape.txt")]
    [InlineData("/etc/passwd")]
    public void PathOf_NamesLeavingTheCase_AreRejected(string relative)
    {
        var dir = CaseDirectory.CreateNew(root);

        Assert.Throws<ArgumentException>(() => dir.PathOf(relative));
    }

    [Fact]
    public async Task ACaseRemovedWhileInUse_IsNeverMadeAgain_AndTheWriteIsAStorageFailure()
    {
        var dir = CaseDirectory.CreateNew(root);
        Directory.Delete(root, recursive: true);

        var e = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => dir.WriteBytesAsync("container/top.json", new byte[] { 1 }, CancellationToken.None));

        Assert.True(DockerIRException.IsStorage(e));
        Assert.False(Directory.Exists(root));
        Assert.Equal(FailureKind.Storage, Assert.Throws<DockerIRException>(() => CaseDirectory.Attach(root)).Kind);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task WriteAtomicAsync_FailingWriter_LeavesNoFileBehind()
    {
        var dir = CaseDirectory.CreateNew(root);

        await Assert.ThrowsAsync<IOException>(() => dir.WriteAtomicAsync("container/logs.txt", async (s, ct) =>
        {
            await s.WriteAsync(new byte[10], ct);
            throw new IOException("disk full");
        }, CancellationToken.None));

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "container")));
    }

    [Fact]
    public async Task OpenAsync_NewerFormat_IsRefusedWithUpgradeAdvice()
    {
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "case.json"),
            """{"formatVersion":99,"caseId":"x","openedUtc":"2026-01-01T00:00:00Z","toolVersion":"9","engine":"e","container":{"id":"i","name":"n","imageReference":"r","imageId":"d","stateAtSnapshot":"running"},"snapshot":null}""");

        var e = await Assert.ThrowsAsync<DockerIRException>(() => CaseDirectory.OpenAsync(root, CancellationToken.None));

        Assert.Equal(FailureKind.Usage, e.Kind);
        Assert.Contains("upgrade", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_CorruptedCaseFile_IsAVerificationFailure()
    {
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "case.json"), "{\"formatVersion\": 1, \"caseId\": ");

        var e = await Assert.ThrowsAsync<DockerIRException>(() => CaseDirectory.OpenAsync(root, CancellationToken.None));

        Assert.Equal(FailureKind.VerificationFailed, e.Kind);
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
