using DockerIR.Core.Engine;

namespace DockerIR.Core.Case;

/// <summary>
/// One side (after = as in the container, before = the original) of a change-set entry: its metadata, its
/// hash and where it is stored, or why it is not.
/// </summary>
public sealed record FileRecord
{
    /// <summary>file, directory, symlink, hardLink, charDevice, blockDevice, fifo, socket, whiteout, missing.</summary>
    public required string Type { get; init; }
    /// <summary>Permission and special bits, four octal digits (e.g. "4755" for a setuid binary).</summary>
    public string? Mode { get; init; }
    public long? Uid { get; init; }
    public long? Gid { get; init; }
    public long? Size { get; init; }
    /// <summary>UTC, with nanoseconds when the source has them.</summary>
    public string? Mtime { get; init; }
    public long? MtimeUnix { get; init; }
    /// <summary>The access time (UTC, nanoseconds), where the source has it: the layer on disk, read without changing it.</summary>
    public string? Atime { get; init; }
    public long? AtimeUnix { get; init; }
    /// <summary>The status-change time (UTC, nanoseconds), where the source has it: a faked mtime (touch -d) does not move it.</summary>
    public string? Ctime { get; init; }
    public long? CtimeUnix { get; init; }
    public string? LinkTarget { get; init; }
    public string? Device { get; init; }
    /// <summary>Extended attributes, values in base64.</summary>
    public IReadOnlyDictionary<string, string>? Xattrs { get; init; }
    public bool? Opaque { get; init; }
    public string? Sha256 { get; init; }
    /// <summary>The tar inside the case that holds this entry (artifacts/after.tar or artifacts/before.tar).</summary>
    public string? Tar { get; init; }
    /// <summary>The member name inside <see cref="Tar"/>.</summary>
    public string? Member { get; init; }
    public required string Source { get; init; }
    /// <summary>Why the content is not stored (over a cap, unreadable, vanished, not storable), when it is not.</summary>
    public string? NotStored { get; init; }
    /// <summary>True when the gap makes the evidence incomplete (a cap, an unreadable or vanished file).</summary>
    public bool? Gap { get; init; }

    /// <summary>A limit of the source on this record's metadata (e.g. the engine's init layer), when there is one.</summary>
    public string? Caveat { get; init; }
}

/// <summary>One entry of the change set with both its sides.</summary>
public sealed record ManifestEntry
{
    /// <summary>The bits of a manifest's octal mode text ("4755"), or 0 when it is not octal (hostile or missing).</summary>
    public static int ModeBits(string? mode)
    {
        if (mode is not { Length: > 0 and <= 6 })
        {
            return 0;
        }

        var bits = 0;
        foreach (var c in mode)
        {
            if (c is < '0' or > '7')
            {
                return 0;
            }

            bits = (bits << 3) | (c - '0');
        }

        return bits;
    }

    public required string Path { get; init; }
    public required ChangeKind Kind { get; init; }
    public required Classification Classification { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public FileRecord? After { get; init; }
    public FileRecord? Before { get; init; }
    /// <summary>For a changed entry: content, metadata (same content, other owner/mode/time), type, or unknown.</summary>
    public string? ContentChange { get; init; }
    /// <summary>The unified diff of a changed text file, inside the case.</summary>
    public string? Diff { get; init; }
}

/// <summary>An original beneath a deleted directory (the change set lists only the directory).</summary>
public sealed record DeletedContent
{
    public required string Path { get; init; }
    public required string UnderDeleted { get; init; }
    public required FileRecord Before { get; init; }
}

/// <summary>The caps an extraction ran with.</summary>
public sealed record ExtractionLimits(long MaxFileSize, long MaxTotalSize, int MaxEntries)
{
    public static ExtractionLimits Default { get; } = new(2L << 30, 64L << 30, 1_000_000);
}

/// <summary>manifest.json: every change-set entry, where it is stored and with what hash, and every gap.</summary>
public sealed record Manifest
{
    public const int CurrentFormatVersion = 1;
    public const string FileName = "manifest.json";
    public const string AfterTar = "artifacts/after.tar";
    public const string BeforeTar = "artifacts/before.tar";

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required string CaseId { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required string ToolVersion { get; init; }
    public required string ContainerId { get; init; }
    public required string ContainerName { get; init; }
    public required string OriginalImage { get; init; }
    public required string OriginalImageId { get; init; }
    public required string EvidenceImageId { get; init; }
    public required string AfterSource { get; init; }
    public required string AfterSourceDetail { get; init; }
    public required string BeforeSource { get; init; }
    public required string BeforeSourceDetail { get; init; }
    public required ExtractionLimits Limits { get; init; }
    /// <summary>False when any entry has a gap; <see cref="Gaps"/> names them.</summary>
    public required bool Complete { get; init; }
    public IReadOnlyList<string> Gaps { get; init; } = [];
    public IReadOnlyList<ManifestEntry> Entries { get; init; } = [];
    public IReadOnlyList<DeletedContent> DeletedContents { get; init; } = [];
}
