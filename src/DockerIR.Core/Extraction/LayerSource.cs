using System.Text;

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
        foreach (var name in MergedChildren(dir))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = dir == "/" ? "/" + name : dir + "/" + name;
            if (!emitted.Add(path))
            {
                continue;
            }

            var (entry, host) = Resolve(path);
            if (entry.Type is EntryType.Missing or EntryType.Whiteout)
            {
                continue;
            }

            await EmitAsync(entry, host, sink, cancellationToken);
            if (entry.Type == EntryType.Directory)
            {
                await WalkAsync(path, emitted, sink, cancellationToken);
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

        FileStream content;
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

    /// <summary>The names in a directory of the merged view, in byte order: the union over layers, less whiteouts.</summary>
    private List<string> MergedChildren(string dir)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in LayersHoldingDirectory(dir))
        {
            var host = layer + (dir == "/" ? "" : dir);
            foreach (var child in Directory.EnumerateFileSystemEntries(host))
            {
                var name = Path.GetFileName(child);
                if (hidden.Contains(name) || names.Contains(name))
                {
                    continue;
                }

                var stat = Native.LStat(child);
                if (stat is { Type: HostStat.CharDevice, RdevMajor: 0, RdevMinor: 0 })
                {
                    hidden.Add(name);
                }
                else if (stat is not null)
                {
                    names.Add(name);
                }
            }

            if (IsOpaque(host))
            {
                break;
            }
        }

        return [.. names];
    }

    /// <summary>The layers (topmost first) that contribute entries to a directory of the merged view.</summary>
    private IEnumerable<string> LayersHoldingDirectory(string dir)
    {
        var candidates = layers;
        if (dir != "/")
        {
            var prefix = "";
            foreach (var component in dir.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                prefix += "/" + component;
                candidates = DirectoryLayers(candidates, prefix);
            }
        }

        return candidates;
    }

    /// <summary>From the topmost layer holding <paramref name="prefix"/> down: the layers where it is a directory, stopping at an opaque one or one where it is not a directory.</summary>
    private static List<string> DirectoryLayers(IReadOnlyList<string> candidates, string prefix)
    {
        var result = new List<string>();
        foreach (var layer in candidates)
        {
            var stat = Native.LStat(layer + prefix);
            if (stat is null)
            {
                continue;
            }

            if (stat.Value.Type != HostStat.Directory)
            {
                break;
            }

            result.Add(layer);
            if (IsOpaque(layer + prefix))
            {
                break;
            }
        }

        return result;
    }

    /// <summary>Resolves one container path over the layers, returning its normalized entry and the host path of its content.</summary>
    private (SourceEntry Entry, string? Host) Resolve(string path)
    {
        var components = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        IReadOnlyList<string> candidates = layers;
        var prefix = "";
        for (var i = 0; i < components.Length; i++)
        {
            prefix += "/" + components[i];
            var last = i == components.Length - 1;
            string? topLayer = null;
            HostStat stat = default;
            foreach (var layer in candidates)
            {
                if (Native.LStat(layer + prefix) is { } s)
                {
                    topLayer = layer;
                    stat = s;
                    break;
                }
            }

            if (topLayer is null)
            {
                return (SourceEntry.Missing(path), null);
            }

            if (stat is { Type: HostStat.CharDevice, RdevMajor: 0, RdevMinor: 0 })
            {
                return (last ? new SourceEntry { Path = path, Type = EntryType.Whiteout } : SourceEntry.Missing(path), null);
            }

            if (last)
            {
                return (ToEntry(path, topLayer + prefix, stat), topLayer + prefix);
            }

            if (stat.Type != HostStat.Directory)
            {
                var what = stat.Type == HostStat.Symlink ? $"a symlink to {ReadLink(topLayer + prefix)}" : "not a directory";
                return (SourceEntry.Missing(path, $"parent {prefix} is {what}"), null);
            }

            candidates = DirectoryLayers(candidates.SkipWhile(l => l != topLayer).ToList(), prefix);
        }

        return (SourceEntry.Missing(path, "the root is not an entry"), null);
    }

    private SourceEntry ToEntry(string path, string host, HostStat stat)
    {
        var xattrs = Native.ListXattrs(host);
        var opaque = xattrs.TryGetValue(OpaqueXattr, out var o) && Encoding.ASCII.GetString(o).TrimEnd('\0') == "y";
        foreach (var key in xattrs.Keys.Where(k => k.StartsWith("trusted.overlay.", StringComparison.Ordinal)).ToList())
        {
            if (key is "trusted.overlay.redirect" or "trusted.overlay.metacopy")
            {
                throw new DockerIRException(FailureKind.PartialEvidence,
                    $"{path} uses overlay {key[16..]}; its content is not in this layer: read it with --source archive");
            }

            if (OverlayInternal.Contains(key))
            {
                xattrs.Remove(key);
            }
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
        string? link = type == EntryType.Symlink ? ReadLink(host) : null;
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
            LinkTarget = link,
            DevMajor = type is EntryType.CharDevice or EntryType.BlockDevice ? stat.RdevMajor : 0,
            DevMinor = type is EntryType.CharDevice or EntryType.BlockDevice ? stat.RdevMinor : 0,
            Xattrs = xattrs,
            Opaque = type == EntryType.Directory && opaque,
        };
    }

    private static bool IsOpaque(string host) =>
        Native.GetXattr(host, OpaqueXattr) is { } v && Encoding.ASCII.GetString(v).TrimEnd('\0') == "y";

    private static string ReadLink(string host) => new FileInfo(host).LinkTarget ?? "";
}
