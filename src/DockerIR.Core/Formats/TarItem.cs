namespace DockerIR.Core.Formats;

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
/// One member of a tar stream as <see cref="TarStreamReader"/> reads it: its header and its data, which is
/// valid only until the next member is read. Names are kept exactly as stored (any character but NUL).
/// </summary>
public sealed record TarItem : TarMember
{
    /// <summary>The raw type flag of the header ('0', '5', 'x', ...).</summary>
    public required char TypeFlag { get; init; }

    public Stream Data { get; init; } = Stream.Null;
}
