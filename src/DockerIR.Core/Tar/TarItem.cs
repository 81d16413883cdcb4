namespace DockerIR.Core.Tar;

/// <summary>Kind of a tar member.</summary>
public enum TarItemType
{
    File,
    Directory,
    Symlink,
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    Other,
}

/// <summary>
/// One member of a tar stream as <see cref="TarStreamReader"/> reads it. <see cref="Data"/> is valid only until
/// the next member is read. Names are kept exactly as stored (they may hold any character but NUL).
/// </summary>
public sealed class TarItem
{
    public required string Name { get; init; }
    public required TarItemType Type { get; init; }
    public required char TypeFlag { get; init; }
    /// <summary>Unix mode bits including setuid/setgid/sticky (12 bits).</summary>
    public uint Mode { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public long Size { get; init; }
    public long MtimeSeconds { get; init; }
    /// <summary>Nanoseconds of the mtime when the member carries them (PAX), else 0.</summary>
    public int MtimeNanos { get; init; }
    public string LinkName { get; init; } = "";
    public int DevMajor { get; init; }
    public int DevMinor { get; init; }
    public IReadOnlyDictionary<string, byte[]> Xattrs { get; init; } = new Dictionary<string, byte[]>();
    public Stream Data { get; init; } = Stream.Null;
}
