using System.Formats.Tar;
using System.Text;
using DockerIR.Core.Evidence;

namespace DockerIR.Core.Extraction;

/// <summary>
/// Writes normalized entries into a PAX tar as they were in the container: numeric owners, all mode bits,
/// symlinks, hard links, devices and fifos as tar entries (never created on the host), xattrs as SCHILY.xattr
/// (text) or LIBARCHIVE.xattr (base64, for binary values).
/// </summary>
public sealed class EvidenceTar(Stream output) : IAsyncDisposable
{
    private readonly TarWriter writer = new(output, TarEntryFormat.Pax, leaveOpen: true);

    public int Members { get; private set; }

    /// <summary>Writes one entry; for a regular file, streams <paramref name="content"/> into it and returns the hash.</summary>
    public async Task<(string? Sha256, long Bytes, byte[]? Kept)> WriteAsync(SourceEntry entry, Stream? content, int keepUpTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var type = entry.Type switch
        {
            EntryType.File => TarEntryType.RegularFile,
            EntryType.Directory => TarEntryType.Directory,
            EntryType.Symlink => TarEntryType.SymbolicLink,
            EntryType.HardLink => TarEntryType.HardLink,
            EntryType.CharDevice => TarEntryType.CharacterDevice,
            EntryType.BlockDevice => TarEntryType.BlockDevice,
            EntryType.Fifo => TarEntryType.Fifo,
            _ => throw new ArgumentException($"{entry.Type} cannot be stored in a tar", nameof(entry)),
        };
        var name = ChangeSetPaths.MemberName(entry.Path);
        var tarEntry = new PaxTarEntry(type, type == TarEntryType.Directory ? name + "/" : name, XattrRecords(entry.Xattrs))
        {
            Mode = (UnixFileMode)entry.Mode,
            Uid = (int)Math.Clamp(entry.Uid, 0, int.MaxValue),
            Gid = (int)Math.Clamp(entry.Gid, 0, int.MaxValue),
            ModificationTime = ToDateTimeOffset(entry.MtimeSeconds, entry.MtimeNanos),
        };
        if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
        {
            tarEntry.LinkName = type == TarEntryType.HardLink ? ChangeSetPaths.MemberName(entry.LinkTarget ?? "") : entry.LinkTarget ?? "";
        }

        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            tarEntry.DeviceMajor = entry.DevMajor;
            tarEntry.DeviceMinor = entry.DevMinor;
        }

        HashingStream? hashing = null;
        if (type == TarEntryType.RegularFile)
        {
            hashing = new HashingStream(content ?? Stream.Null, keepUpTo);
            tarEntry.DataStream = hashing;
        }

        await using (hashing)
        {
            await writer.WriteEntryAsync(tarEntry, cancellationToken);
            Members++;
            return hashing is null ? (null, 0, null) : (hashing.HashHex(), hashing.BytesRead, hashing.Kept);
        }
    }

    public ValueTask DisposeAsync() => writer.DisposeAsync();

    /// <summary>UTC time from seconds and nanoseconds (to the 100 ns a DateTimeOffset holds; the manifest keeps the nanoseconds).</summary>
    public static DateTimeOffset ToDateTimeOffset(long seconds, int nanos)
    {
        var min = DateTimeOffset.UnixEpoch;
        try
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        }
        catch (ArgumentOutOfRangeException)
        {
            // A forged timestamp beyond what a tar header or DateTimeOffset holds.
            return min;
        }
    }

    private static Dictionary<string, string> XattrRecords(IReadOnlyDictionary<string, byte[]> xattrs)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        foreach (var (name, value) in xattrs)
        {
            string? text = null;
            if (Array.IndexOf(value, (byte)0) < 0)
            {
                try
                {
                    text = strict.GetString(value);
                }
                catch (DecoderFallbackException)
                {
                }
            }

            if (text is not null && !name.Contains('=', StringComparison.Ordinal))
            {
                records["SCHILY.xattr." + name] = text;
            }
            else
            {
                records["LIBARCHIVE.xattr." + Uri.EscapeDataString(name)] = Convert.ToBase64String(value);
            }
        }

        return records;
    }
}
