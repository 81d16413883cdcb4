using DockerIR.Core.Extraction;
using DockerIR.Testing;

namespace DockerIR.Core.Tests;

/// <summary>Overlay semantics of the layer source on a two-layer stack built here (root, as CI runs, for whiteouts and trusted xattrs).</summary>
public sealed class LayerSourceTests : IAsyncLifetime
{
    private readonly string root = Directory.CreateTempSubdirectory("dockerir-layers-").FullName;
    private string Upper => Path.Combine(root, "upper");
    private string Lower => Path.Combine(root, "lower");

    public async Task InitializeAsync()
    {
        foreach (var (layer, file, text) in new[]
        {
            (Lower, "etc/passwd", "root:x:0:0\n"), (Lower, "olddir/x", "old\n"), (Lower, "deleted.txt", "gone\n"), (Lower, "app/keep.txt", "keep\n"),
            (Upper, "etc/passwd", "root:x:0:0\nevil:x:0:0\n"), (Upper, "olddir/new", "new\n"), (Upper, "app/new.bin", "payload"),
        })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(layer, file))!);
            await File.WriteAllTextAsync(Path.Combine(layer, file), text);
        }

        File.CreateSymbolicLink(Path.Combine(Upper, "link"), "/etc");
        await Run("mknod", Path.Combine(Upper, "deleted.txt"), "c", "0", "0");
        await Run("python3", "-c", $"import os; os.setxattr('{Upper}/olddir', 'trusted.overlay.opaque', b'y'); os.setxattr('{Upper}/app/new.bin', 'user.note', b'\\x00bin\\xff')");
    }

    private static async Task Run(string file, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(file, args);
        Assert.True(result.ExitCode == 0, $"{file}: {result.StdErr}");
    }

    private async Task<Dictionary<string, (SourceEntry Entry, string? Content)>> ReadAsync(params WantedPath[] wanted)
    {
        var found = new Dictionary<string, (SourceEntry, string?)>();
        await new LayerSource([Upper, Lower], "test").ReadAsync(wanted, async (entry, content, ct) =>
        {
            string? text = null;
            if (content is not null)
            {
                using var reader = new StreamReader(content, leaveOpen: true);
                text = await reader.ReadToEndAsync(ct);
            }

            found[entry.Path] = (entry, text);
        }, CancellationToken.None);
        return found;
    }

    [Fact]
    public async Task ReadAsync_OpaqueDirectory_HidesTheLowerLayersChildren()
    {
        var found = await ReadAsync(new WantedPath("/olddir", WholeSubtree: true));

        Assert.True(found["/olddir"].Entry.Opaque);
        Assert.Equal("new\n", found["/olddir/new"].Content);
        Assert.False(found.ContainsKey("/olddir/x"));
    }

    [Fact]
    public async Task ReadAsync_Whiteout_IsADeletionNotAFile()
    {
        var found = await ReadAsync(new WantedPath("/deleted.txt", WholeSubtree: false));

        Assert.Equal(EntryType.Whiteout, found["/deleted.txt"].Entry.Type);
    }

    [Fact]
    public async Task ReadAsync_Subtree_MergesLayersAndReadsXattrsThroughTheOpenFile()
    {
        var found = await ReadAsync(new WantedPath("/app", WholeSubtree: true));

        Assert.Equal("keep\n", found["/app/keep.txt"].Content);
        Assert.Equal("payload", found["/app/new.bin"].Content);
        Assert.Equal([0x00, (byte)'b', (byte)'i', (byte)'n', 0xff], found["/app/new.bin"].Entry.Xattrs["user.note"]);
        Assert.DoesNotContain(found["/app/new.bin"].Entry.Xattrs.Keys, k => k.StartsWith("trusted.overlay", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadAsync_PathBelowASymlink_IsNeverFollowed()
    {
        var found = await ReadAsync(new WantedPath("/link/passwd", WholeSubtree: false), new WantedPath("/link", WholeSubtree: true));

        Assert.Equal(EntryType.Missing, found["/link/passwd"].Entry.Type);
        Assert.Equal("parent /link is a symlink to /etc", found["/link/passwd"].Entry.Problem);
        Assert.Equal(EntryType.Symlink, found["/link"].Entry.Type);
        Assert.Equal("/etc", found["/link"].Entry.LinkTarget);
        Assert.Equal(2, found.Count);
    }

    [Fact]
    public async Task ReadAsync_ChangedFile_ComesFromTheTopmostLayer()
    {
        var found = await ReadAsync(new WantedPath("/etc/passwd", WholeSubtree: false));

        Assert.Equal("root:x:0:0\nevil:x:0:0\n", found["/etc/passwd"].Content);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(root, recursive: true);
        return Task.CompletedTask;
    }
}
