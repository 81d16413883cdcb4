using DockerIR.Core.Engine;
using DockerIR.Core.Formats;
using DockerIR.Core.Platform;

namespace DockerIR.Testing;

/// <summary>
/// The archive role of the fake engine: a container's filesystem as the engine shows it, merged from the directories
/// of its layers on this host with overlay's rules (its own upper directory over its image's layers, topmost first;
/// a 0/0 character device is a whiteout), read by path stat and by tar of one path in the engine's shape (member
/// names start with the path's last part; links are never followed).
/// </summary>
public sealed class FakeArchive(FakeCalls calls, FakeContainers containers, FakeImages images) : IContainerArchive
{
    private const uint GoModeDir = 1u << 31;
    private const uint GoModeSymlink = 1u << 27;

    public Task<PathStat?> StatPathAsync(string containerId, string path, CancellationToken cancellationToken) =>
        calls.Record("stat", () => Locate(Layers(containerId), path) is { } found ? Stat(found, path) : null);

    public async Task<ArchiveContent> GetArchiveAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        // The container's layers are read under the fakes' lock; the directories on disk are read after it.
        var (layers, found, stat) = await calls.Record("archive", () => Layers(containerId) is var l && Locate(l, path) is { } f ? (l, f, Stat(f, path))
            : throw new EngineObjectNotFoundException($"Could not find the file {path} in container {containerId}"));
        var tar = new MemoryStream();
        await using (var writer = new TarStreamWriter(tar))
        {
            await WriteAsync(writer, layers, path, found, stat.Name, cancellationToken);
            await writer.FinishAsync(cancellationToken);
        }

        tar.Position = 0;
        return new ArchiveContent(stat, tar);
    }

    public Task<Stream> ExportContainerAsync(string containerId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake archive does not export whole filesystems");

    private static async Task WriteAsync(TarStreamWriter writer, IReadOnlyList<string> layers, string path, (string Host, HostStat Stat) found, string name, CancellationToken cancellationToken)
    {
        var (host, st) = found;
        var type = st.Type switch
        {
            HostStat.Directory => TarItemType.Directory,
            HostStat.Symlink => TarItemType.Symlink,
            HostStat.Regular => TarItemType.File,
            HostStat.Fifo => TarItemType.Fifo,
            _ => TarItemType.Other,
        };
        var member = new TarMember
        {
            Name = name,
            Type = type,
            Mode = st.Permissions,
            Uid = st.Uid,
            Gid = st.Gid,
            MtimeSeconds = st.MtimeSeconds,
            LinkName = type == TarItemType.Symlink ? new FileInfo(host).LinkTarget ?? "" : "",
            Size = type == TarItemType.File ? st.Size : 0,
        };
        if (type == TarItemType.File)
        {
            await using var content = File.OpenRead(host);
            await writer.WriteAsync(member, content, cancellationToken);
            return;
        }

        await writer.WriteAsync(member, null, cancellationToken);
        if (type != TarItemType.Directory)
        {
            return;
        }

        foreach (var child in Children(layers, path))
        {
            var childPath = path.TrimEnd('/') + "/" + child;
            if (Locate(layers, childPath) is { } below)
            {
                await WriteAsync(writer, layers, childPath, below, name + "/" + child, cancellationToken);
            }
        }
    }

    /// <summary>The host path that shows <paramref name="path"/> in the container (the topmost layer holding it) and its stat, or null when absent or whited out.</summary>
    private static (string Host, HostStat Stat)? Locate(IReadOnlyList<string> layers, string path)
    {
        foreach (var layer in layers)
        {
            if (Native.LStat(layer + path.TrimEnd('/')) is { } st)
            {
                return IsWhiteout(st) ? null : (layer + path.TrimEnd('/'), st);
            }
        }

        return null;
    }

    private static IEnumerable<string> Children(IReadOnlyList<string> layers, string path) =>
        layers.Select(l => l + path.TrimEnd('/')).Where(d => Native.LStat(d) is { Type: HostStat.Directory })
            .SelectMany(d => Directory.EnumerateFileSystemEntries(d).Select(Path.GetFileName)).Select(n => n!)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>The container's layer directories, topmost first: its own upper directory over its image's layers.</summary>
    private List<string> Layers(string containerId)
    {
        var c = containers.Find(containerId);
        var upper = c.GraphDriver.Data.GetValueOrDefault("UpperDir");
        var below = images.Find(c.ImageId)?.LayerDirectories ?? [];
        return (upper is null ? below : below.Prepend(upper)).Select(l => l.TrimEnd('/')).ToList();
    }

    private static bool IsWhiteout(HostStat st) => st is { Type: HostStat.CharDevice, RdevMajor: 0, RdevMinor: 0 };

    private static PathStat Stat((string Host, HostStat Stat) found, string path)
    {
        var (host, st) = found;
        var mode = st.Permissions | st.Type switch { HostStat.Symlink => GoModeSymlink, HostStat.Directory => GoModeDir, _ => 0u };
        var name = path == "/" ? "/" : Path.GetFileName(path.TrimEnd('/'));
        var mtime = DateTimeOffset.FromUnixTimeSeconds(st.MtimeSeconds).ToString("O");
        return new PathStat(name, st.Type == HostStat.Regular ? st.Size : 0, mode, mtime, st.Type == HostStat.Symlink ? new FileInfo(host).LinkTarget ?? "" : "");
    }
}
