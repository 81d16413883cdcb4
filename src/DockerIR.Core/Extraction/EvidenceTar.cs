using DockerIR.Core.Case;
using DockerIR.Core.Platform;
using DockerIR.Core.Engine;
using System.Security.Cryptography;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Extraction;

/// <summary>
/// Writes normalized entries into a PAX tar as they were in the container: numeric owners, all mode bits,
/// nanosecond mtimes, xattrs, symlinks, hard links, devices and fifos as tar entries (never created on the host).
/// </summary>
public sealed class EvidenceTar(Stream output) : IAsyncDisposable
{
    private readonly TarStreamWriter writer = new(output);
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>What storing one entry gave: the content hash, the bytes stored, a kept copy for diffs, whether the source changed size, and the member name.</summary>
    public readonly record struct Stored(string? Sha256, long Bytes, byte[]? Kept, bool SizeChanged, long SourceBytes, string Member);

    /// <summary>Writes one entry; for a regular file, streams exactly its declared size from <paramref name="content"/> and hashes it.</summary>
    public async ValueTask<Stored> WriteAsync(SourceEntry entry, Stream? content, int keepUpTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var type = entry.Type switch
        {
            EntryType.File => TarItemType.File,
            EntryType.Directory => TarItemType.Directory,
            EntryType.Symlink => TarItemType.Symlink,
            EntryType.HardLink => TarItemType.HardLink,
            EntryType.CharDevice => TarItemType.CharDevice,
            EntryType.BlockDevice => TarItemType.BlockDevice,
            EntryType.Fifo => TarItemType.Fifo,
            _ => throw new ArgumentException($"{entry.Type} cannot be stored in a tar", nameof(entry)),
        };
        var name = ChangeSetPaths.MemberName(entry.Path);
        var member = new TarMember
        {
            Name = type == TarItemType.Directory ? name + "/" : name,
            Type = type,
            Mode = entry.Mode,
            Uid = entry.Uid,
            Gid = entry.Gid,
            Size = entry.Size,
            MtimeSeconds = entry.MtimeSeconds,
            MtimeNanos = entry.MtimeNanos,
            HasNanos = entry.HasNanos,
            LinkName = type switch
            {
                TarItemType.HardLink => ChangeSetPaths.MemberName(entry.LinkTarget ?? ""),
                TarItemType.Symlink => entry.LinkTarget ?? "",
                _ => "",
            },
            DevMajor = entry.DevMajor,
            DevMinor = entry.DevMinor,
            Xattrs = entry.Xattrs,
        };
        if (type != TarItemType.File)
        {
            await writer.WriteAsync(member, null, cancellationToken);
            return new Stored(null, 0, null, false, 0, name);
        }

        await using var hashing = new HashingStream(content ?? Stream.Null, keepUpTo, limit: entry.Size, reuse: hash);
        var outcome = await writer.WriteAsync(member, hashing, cancellationToken, shortReadIsEnd: content is IShortReadMeansEnd);
        var changed = outcome.SourceShorter || outcome.SourceLonger;
        // A source that shrank was padded with zeros in the tar: no hash of ours would describe it honestly.
        return new Stored(outcome.SourceShorter ? null : hashing.HashHex(), entry.Size, changed ? null : hashing.Kept, changed, outcome.SourceBytes, name);
    }

    public async ValueTask DisposeAsync()
    {
        await writer.DisposeAsync();
        hash.Dispose();
    }

    /// <summary>UTC time from seconds and nanoseconds, to the 100 ns a DateTimeOffset holds (the manifest and the tar keep nanoseconds).</summary>
    public static DateTimeOffset ToDateTimeOffset(long seconds, int nanos)
    {
        try
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        }
        catch (ArgumentOutOfRangeException)
        {
            // A forged timestamp beyond what a DateTimeOffset holds.
            return DateTimeOffset.UnixEpoch;
        }
    }
}
