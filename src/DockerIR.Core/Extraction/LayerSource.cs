using DockerIR.Core.Engine;
using DockerIR.Core.Platform;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DockerIR.Core.Extraction;

/// <summary>
/// Reads paths from overlay layers on this host: the suspect's upper directory (one layer) or an image's layer
/// stack (top first), with overlay's rules: a 0/0 character device is a whiteout, trusted.overlay.opaque=y hides
/// lower layers, and the topmost layer holding a path decides what it is. Every path is resolved component by
/// component with lstat, so no symlink of the container's is ever followed; files are opened with O_NOFOLLOW
/// and O_NOATIME, so evidence access times stay as they were.
/// </summary>
public sealed class LayerSource : IEntrySource
{
    private const string OpaqueXattr = "trusted.overlay.opaque";
    private static readonly string[] OverlayInternal = ["trusted.overlay.opaque", "trusted.overlay.redirect", "trusted.overlay.metacopy", "trusted.overlay.origin", "trusted.overlay.impure", "trusted.overlay.nlink", "trusted.overlay.upper"];

    private readonly IReadOnlyList<string> layers;
    private readonly Dictionary<(ulong Dev, ulong Ino), string> seenInodes = [];
    private readonly Dictionary<string, (List<string>? Layers, string? Problem)> directoryCache = new(StringComparer.Ordinal);

    /// <param name="layers">Layer directories, topmost first.</param>
    /// <param name="detail">What the layers are, for the manifest.</param>
    public LayerSource(IReadOnlyList<string> layers, string detail)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("at least one layer directory is needed", nameof(layers));
        }

        this.layers = layers.Select(l => l.TrimEnd('/')).ToList();
        Detail = detail;
    }

    public string Name => "layer";

    public string Detail { get; }

    /// <summary>True when every layer directory exists and can be read here (the engine is local and we may read its storage).</summary>
    public static bool CanRead(IReadOnlyList<string> layers) =>
        layers.Count > 0 && layers.All(l => Path.IsPathFullyQualified(l) && Native.LStat(l) is { Type: HostStat.Directory });

    /// <summary>A container's overlay2 upper directory (its writable layer) when it can be read here, else null.</summary>
    public static string? ReadableUpperDir(ContainerInspection container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return container.GraphDriver.Name == "overlay2" && container.GraphDriver.Data.GetValueOrDefault("UpperDir") is { } upper && CanRead([upper]) ? upper : null;
    }

    public async Task ReadAsync(IReadOnlyList<WantedPath> wanted, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(sink);
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var want in wanted.OrderBy(w => w.Path, WalkOrder.Instance))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!emitted.Add(want.Path))
            {
                continue;
            }

            var (entry, host) = Resolve(want.Path);
            await EmitAsync(entry, host, sink, cancellationToken);
            if (want.WholeSubtree && entry.Type == EntryType.Directory)
            {
                await WalkAsync(want.Path, emitted, sink, cancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task WalkAsync(string dir, HashSet<string> emitted, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        var (children, handles) = MergedChildren(dir);
        try
        {
            foreach (var child in children)
            {
                var (name, stat, parent) = (child.Name, child.Stat, child.Parent);
                cancellationToken.ThrowIfCancellationRequested();
                var path = dir == "/" ? "/" + name : dir + "/" + name;
                if (!emitted.Add(path))
                {
                    continue;
                }

                // The listing already resolved the child over the layers; it is opened relative to its directory.
                if (stat.Type == HostStat.Regular)
                {
                    EvidenceFileStream content;
                    try
                    {
                        content = Native.OpenForEvidenceAt(parent, name, path);
                    }
                    catch (IOException e)
                    {
                        await sink(SourceEntry.Missing(path, $"unreadable: {e.Message}"), null, cancellationToken);
                        continue;
                    }

                    await using (content)
                    {
                        await sink(ToEntry(path, null, stat, Native.ListXattrs(content)), content, cancellationToken);
                    }

                    continue;
                }

                var host = child.Host;
                var entry = ToEntry(path, host, stat, Native.ListXattrs(host));
                await sink(entry, null, cancellationToken);
                if (entry.Type == EntryType.Directory)
                {
                    await WalkAsync(path, emitted, sink, cancellationToken);
                }
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
    }

    private static async Task EmitAsync(SourceEntry entry, string? host, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        if (entry.Type != EntryType.File || host is null)
        {
            await sink(entry, null, cancellationToken);
            return;
        }

        Stream content;
        try
        {
            content = Native.OpenForEvidence(host);
        }
        catch (IOException e)
        {
            await sink(SourceEntry.Missing(entry.Path, $"unreadable: {e.Message}"), null, cancellationToken);
            return;
        }

        await using (content)
        {
            await sink(entry, content, cancellationToken);
        }
    }

    /// <summary>
    /// The children of a directory of the merged view, in byte order, each with the stat of its topmost copy and the
    /// open directory that holds it (read from that descriptor: a directory swapped for a symlink meanwhile is not
    /// followed): the union over the layers, less whiteouts. The caller disposes the returned directory handles.
    /// </summary>
    private (List<Child> Children, List<SafeFileHandle> Handles) MergedChildren(string dir)
    {
        var children = new List<Child>();
        HashSet<string>? taken = null;
        var handles = new List<SafeFileHandle>();
        var layerDirs = DirectoryLayersOf(dir).Layers ?? [];
        foreach (var layer in layerDirs)
        {
            var host = layer + (dir == "/" ? "" : dir);
            if (Native.OpenDirectory(host) is not { } handle)
            {
                continue;
            }

            handles.Add(handle);
            if (layerDirs.Count > 1)
            {
                // Names a layer above already decided (a copy, or a whiteout hiding the lower ones).
                taken ??= new HashSet<string>(StringComparer.Ordinal);
            }

            var names = Native.ListNames(handle, host);
            children.EnsureCapacity(children.Count + names.Count);
            foreach (var name in names)
            {
                if (taken?.Contains(name) == true || Native.LStatAt(handle, name) is not { } stat)
                {
                    continue;
                }

                taken?.Add(name);
                if (stat is not { Type: HostStat.CharDevice, RdevMajor: 0, RdevMinor: 0 })
                {
                    children.Add(new Child(name, host, stat, handle));
                }
            }

            if (IsOpaque(host))
            {
                break;
            }
        }

        children.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return (children, handles);
    }

    /// <summary>One child of a merged directory: its name, the layer directory holding its topmost copy, its stat.</summary>
    private readonly record struct Child(string Name, string LayerDir, HostStat Stat, SafeFileHandle Parent)
    {
        public string Host => LayerDir + "/" + Name;
    }

    /// <summary>
    /// Resolves a directory of the merged view once (cached): from the topmost layer holding it down, the layers
    /// where it is a directory, stopping after an opaque one or at one where it is not a directory. When the
    /// path is not a directory in the merged view, says why.
    /// </summary>
    private (List<string>? Layers, string? Problem) DirectoryLayersOf(string dir)
    {
        if (dir == "/")
        {
            return ([.. layers], null);
        }

        if (directoryCache.TryGetValue(dir, out var cached))
        {
            return cached;
        }

        var (parentLayers, problem) = DirectoryLayersOf(ChangeSetPaths.Parent(dir));
        (List<string>? Layers, string? Problem) result;
        if (parentLayers is null)
        {
            result = (null, problem);
        }
        else
        {
            var found = new List<string>();
            result = (null, $"parent {dir} does not exist");
            foreach (var layer in parentLayers)
            {
                if (Native.LStat(layer + dir) is not { } stat)
                {
                    continue;
                }

                var isWhiteout = stat is { Type: HostStat.CharDevice, RdevMajor: 0, RdevMinor: 0 };
                if (found.Count == 0 && stat.Type != HostStat.Directory)
                {
                    var what = isWhiteout ? "deleted" : stat.Type == HostStat.Symlink ? $"a symlink to {ReadLink(layer + dir)}" : "not a directory";
                    result = (null, $"parent {dir} is {what}");
                    break;
                }

                if (stat.Type != HostStat.Directory)
                {
                    // A lower non-directory (or whiteout) is hidden by the directory above it, and so is all beneath.
                    break;
                }

                found.Add(layer);
                result = (found, null);
                if (IsOpaque(layer + dir))
                {
                    break;
                }
            }
        }

        directoryCache[dir] = result;
        return result;
    }

    /// <summary>Resolves one container path over the layers, returning its normalized entry and the host path of its content.</summary>
    private (SourceEntry Entry, string? Host) Resolve(string path)
    {
        if (path == "/" || !path.StartsWith('/'))
        {
            return (SourceEntry.Missing(path, "not an entry path"), null);
        }

        var (candidates, problem) = DirectoryLayersOf(ChangeSetPaths.Parent(path));
        if (candidates is null)
        {
            return (SourceEntry.Missing(path, problem), null);
        }

        foreach (var layer in candidates)
        {
            var host = layer + path;
            if (Native.LStat(host) is not { } stat)
            {
                continue;
            }

            return stat is { Type: HostStat.CharDevice, RdevMajor: 0, RdevMinor: 0 }
                ? (new SourceEntry { Path = path, Type = EntryType.Whiteout }, null)
                : (ToEntry(path, host, stat, Native.ListXattrs(host)), host);
        }

        return (SourceEntry.Missing(path), null);
    }

    private SourceEntry ToEntry(string path, string? host, HostStat stat, IReadOnlyDictionary<string, byte[]> xattrs)
    {
        var opaque = xattrs.TryGetValue(OpaqueXattr, out var o) && Encoding.ASCII.GetString(o).TrimEnd('\0') == "y";
        if (xattrs.Count > 0)
        {
            xattrs = WithoutOverlayInternals(path, xattrs);
        }

        var type = stat.Type switch
        {
            HostStat.Regular => EntryType.File,
            HostStat.Directory => EntryType.Directory,
            HostStat.Symlink => EntryType.Symlink,
            HostStat.CharDevice => EntryType.CharDevice,
            HostStat.BlockDevice => EntryType.BlockDevice,
            HostStat.Fifo => EntryType.Fifo,
            HostStat.Socket => EntryType.Socket,
            _ => EntryType.File,
        };
        string? link = type == EntryType.Symlink ? ReadLink(host!) : null;
        if (type == EntryType.File && stat.NLink > 1)
        {
            if (seenInodes.TryGetValue((stat.Dev, stat.Ino), out var first))
            {
                type = EntryType.HardLink;
                link = first;
            }
            else
            {
                seenInodes[(stat.Dev, stat.Ino)] = path;
            }
        }

        return new SourceEntry
        {
            Path = path,
            Type = type,
            Mode = stat.Permissions,
            Uid = stat.Uid,
            Gid = stat.Gid,
            Size = type == EntryType.File ? stat.Size : 0,
            MtimeSeconds = stat.MtimeSeconds,
            MtimeNanos = stat.MtimeNanos,
            HasNanos = true,
            Atime = (stat.AtimeSeconds, stat.AtimeNanos),
            Ctime = (stat.CtimeSeconds, stat.CtimeNanos),
            LinkTarget = link,
            DevMajor = type is EntryType.CharDevice or EntryType.BlockDevice ? stat.RdevMajor : 0,
            DevMinor = type is EntryType.CharDevice or EntryType.BlockDevice ? stat.RdevMinor : 0,
            Xattrs = xattrs,
            Opaque = type == EntryType.Directory && opaque,
        };
    }

    /// <summary>The xattrs less overlay's own; content overlay keeps elsewhere (redirect, metacopy) cannot be read here.</summary>
    private static IReadOnlyDictionary<string, byte[]> WithoutOverlayInternals(string path, IReadOnlyDictionary<string, byte[]> xattrs)
    {
        var overlayKeys = xattrs.Keys.Where(k => k.StartsWith("trusted.overlay.", StringComparison.Ordinal)).ToList();
        if (overlayKeys.Count == 0)
        {
            return xattrs;
        }

        var kept = new Dictionary<string, byte[]>(xattrs, StringComparer.Ordinal);
        foreach (var key in overlayKeys)
        {
            if (key is "trusted.overlay.redirect" or "trusted.overlay.metacopy")
            {
                throw new DockerIRException(FailureKind.PartialEvidence,
                    $"{path} uses overlay {key[16..]}; its content is not in this layer: read it with --source archive");
            }

            if (OverlayInternal.Contains(key))
            {
                kept.Remove(key);
            }
        }

        return kept;
    }

    private static bool IsOpaque(string host) =>
        Native.GetXattr(host, OpaqueXattr) is { } v && Encoding.ASCII.GetString(v).TrimEnd('\0') == "y";

    private static string ReadLink(string host) => new FileInfo(host).LinkTarget ?? "";
}
