using DockerIR.Core.Formats;

namespace DockerIR.Core.Extraction;

/// <summary>File type of a normalized entry, as the manifest names it.</summary>
public enum EntryType
{
    File,
    Directory,
    Symlink,
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// <summary>An overlay deletion marker (a 0/0 character device in the layer).</summary>
    Whiteout,
    /// <summary>The path does not exist in the source.</summary>
    Missing,
}

/// <summary>
/// One path as a source read it, normalized so that every source yields the same fields: mode is the 12
/// permission and special bits, size is the content size of regular files (0 for everything else), and the
/// mtime carries nanoseconds only when <see cref="HasNanos"/>.
/// </summary>
public sealed record SourceEntry
{
    public required string Path { get; init; }
    public required EntryType Type { get; init; }
    public uint Mode { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public long Size { get; init; }
    public long MtimeSeconds { get; init; }
    public int MtimeNanos { get; init; }
    public bool HasNanos { get; init; }
    /// <summary>Access and status-change times, where the source has them (the layer on disk; the archive endpoint has neither).</summary>
    public (long Seconds, int Nanos)? Atime { get; init; }
    public (long Seconds, int Nanos)? Ctime { get; init; }
    /// <summary>Symlink target as stored (never followed), or the path a hard link points to.</summary>
    public string? LinkTarget { get; init; }
    public int DevMajor { get; init; }
    public int DevMinor { get; init; }
    public IReadOnlyDictionary<string, byte[]> Xattrs { get; init; } = new Dictionary<string, byte[]>();
    /// <summary>An overlay opaque directory: it hides everything below it in lower layers.</summary>
    public bool Opaque { get; init; }
    /// <summary>Why a path could not be read as asked (e.g. a parent is a symlink), when it could not.</summary>
    public string? Problem { get; init; }

    /// <summary>A limit of the source on this entry's metadata that a reader must know (not a gap in the content).</summary>
    public string? Caveat { get; init; }

    public static SourceEntry Missing(string path, string? problem = null) => new() { Path = path, Type = EntryType.Missing, Problem = problem };

    /// <summary>Maps a member of an engine archive stream to a normalized entry at <paramref name="path"/>.</summary>
    public static SourceEntry FromTar(TarItem item, string path, Func<string, string> mapLink)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(mapLink);
        var type = item.Type switch
        {
            TarItemType.File => EntryType.File,
            TarItemType.Directory => EntryType.Directory,
            TarItemType.Symlink => EntryType.Symlink,
            TarItemType.HardLink => EntryType.HardLink,
            TarItemType.CharDevice => item.DevMajor == 0 && item.DevMinor == 0 ? EntryType.Whiteout : EntryType.CharDevice,
            TarItemType.BlockDevice => EntryType.BlockDevice,
            TarItemType.Fifo => EntryType.Fifo,
            _ => EntryType.File,
        };
        return new SourceEntry
        {
            Path = path,
            Type = type,
            Mode = item.Mode,
            Uid = item.Uid,
            Gid = item.Gid,
            Size = type == EntryType.File ? item.Size : 0,
            MtimeSeconds = item.MtimeSeconds,
            MtimeNanos = item.MtimeNanos,
            HasNanos = item.MtimeNanos != 0,
            LinkTarget = type switch
            {
                EntryType.Symlink => item.LinkName,
                EntryType.HardLink => mapLink(item.LinkName),
                _ => null,
            },
            DevMajor = item.DevMajor,
            DevMinor = item.DevMinor,
            Xattrs = item.Xattrs,
        };
    }
}

/// <summary>A path to read; <see cref="WholeSubtree"/> says every path beneath it is wanted too (an added or deleted directory).</summary>
public sealed record WantedPath(string Path, bool WholeSubtree);

/// <summary>
/// Where entries come from: the layer on disk or the engine's archive endpoint. A source reads the wanted paths
/// and hands each entry found, with its content for regular files, to a sink, in walk order (parents first,
/// names in byte order). The content stream is valid only during the sink call. Paths beneath a
/// <see cref="WantedPath.WholeSubtree"/> path are handed over even when not listed.
/// </summary>
public interface IEntrySource : IAsyncDisposable
{
    /// <summary>"layer" or "archive".</summary>
    string Name { get; }

    /// <summary>What exactly is read (the directory or the container), for the manifest and custody.</summary>
    string Detail { get; }

    Task ReadAsync(IReadOnlyList<WantedPath> wanted, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken);
}

/// <summary>Orders container paths the way a directory walk visits them: component by component, ordinal.</summary>
public sealed class WalkOrder : IComparer<string>
{
    public static WalkOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var i = 0;
        var n = Math.Min(x.Length, y.Length);
        while (i < n && x[i] == y[i])
        {
            i++;
        }

        if (i == x.Length || i == y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        // The separator sorts before every other character, so a directory's children come right after it.
        if (x[i] == '/')
        {
            return -1;
        }

        if (y[i] == '/')
        {
            return 1;
        }

        return x[i].CompareTo(y[i]);
    }
}
