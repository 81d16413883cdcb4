using System.Buffers;
using System.Globalization;
using System.Text;

namespace DockerIR.Core.Formats;

/// <summary>The header of one tar member, as written or read.</summary>
public record TarMember
{
    public required string Name { get; init; }
    public required TarItemType Type { get; init; }
    public uint Mode { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    /// <summary>Content size of a regular file (0 for everything else); a writer copies exactly this many bytes.</summary>
    public long Size { get; init; }
    public long MtimeSeconds { get; init; }
    public int MtimeNanos { get; init; }
    public bool HasNanos { get; init; }
    public string LinkName { get; init; } = "";
    public int DevMajor { get; init; }
    public int DevMinor { get; init; }
    public IReadOnlyDictionary<string, byte[]> Xattrs { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>What writing a member's content found: how much the source really held.</summary>
public readonly record struct TarWriteOutcome(long SourceBytes, bool SourceShorter, bool SourceLonger);

/// <summary>
/// A streaming PAX tar writer. Each member's content is copied straight from its source with the size declared
/// in its header, so nothing is buffered whatever the file's size; a source that holds fewer bytes is padded
/// and one that holds more is cut, and the caller is told. Mtimes keep their nanoseconds and extended
/// attributes their exact bytes (SCHILY.xattr), which GNU tar and bsdtar read. Writes to the output are
/// synchronous: the output is a local file, and an async hop per header costs more than the write.
/// </summary>
public sealed class TarStreamWriter(Stream output) : IAsyncDisposable
{
    private const int Block = 512;
    private const long MaxOctal7 = 0x1FFFFF;
    private const long MaxOctal11 = 0x1FFFFFFFF;
    private static readonly byte[] Zeros = new byte[Block * 2];
    private readonly byte[] header = new byte[Block];
    private readonly MemoryStream pax = new();
    private bool finished;

    /// <summary>Writes one member; copies exactly <see cref="TarMember.Size"/> bytes of <paramref name="content"/> for a regular file.</summary>
    /// <param name="shortReadIsEnd">The content is a regular file, where a read that returns fewer bytes than asked means its end (no extra read is needed to tell whether it grew).</param>
    public async ValueTask<TarWriteOutcome> WriteAsync(TarMember member, Stream? content, CancellationToken cancellationToken, bool shortReadIsEnd = false)
    {
        ArgumentNullException.ThrowIfNull(member);
        var size = member.Type == TarItemType.File ? member.Size : 0;
        var records = PaxRecords(member, size);
        if (records > 0)
        {
            FillHeader("PaxHeaders/entry", 'x', 0x1A4, 0, 0, records, member.MtimeSeconds, "", 0, 0);
            output.Write(header);
            output.Write(pax.GetBuffer().AsSpan(0, records));
            Pad(records);
        }

        FillHeader(member.Name, Flag(member.Type), member.Mode, member.Uid, member.Gid, size, member.MtimeSeconds, member.LinkName, member.DevMajor, member.DevMinor);
        output.Write(header);
        if (member.Type != TarItemType.File)
        {
            return default;
        }

        var outcome = await CopyExactlyAsync(content ?? Stream.Null, size, shortReadIsEnd, cancellationToken);
        Pad(size);
        return outcome;
    }

    /// <summary>Ends the archive with two zero blocks.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        if (!finished)
        {
            finished = true;
            output.Write(Zeros);
            await output.FlushAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FinishAsync(CancellationToken.None);
        await pax.DisposeAsync();
    }

    private async ValueTask<TarWriteOutcome> CopyExactlyAsync(Stream content, long size, bool shortReadIsEnd, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            long copied = 0;
            var lastWasShort = false;
            while (copied < size)
            {
                // One byte more than needed: a source that grew shows itself without a separate read.
                var want = (int)Math.Min(buffer.Length, size - copied + 1);
                var read = await content.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
                if (read == 0)
                {
                    // The source shrank since its size was read: pad, so the archive stays well-formed.
                    var sourceBytes = copied;
                    Array.Clear(buffer);
                    while (copied < size)
                    {
                        var n = (int)Math.Min(buffer.Length, size - copied);
                        output.Write(buffer, 0, n);
                        copied += n;
                    }

                    return new TarWriteOutcome(sourceBytes, SourceShorter: true, SourceLonger: false);
                }

                if (read > size - copied)
                {
                    output.Write(buffer, 0, (int)(size - copied));
                    return new TarWriteOutcome(size, SourceShorter: false, SourceLonger: true);
                }

                output.Write(buffer, 0, read);
                copied += read;
                lastWasShort = read < want;
            }

            var longer = !(shortReadIsEnd && lastWasShort) && await content.ReadAsync(buffer.AsMemory(0, 1), cancellationToken) > 0;
            return new TarWriteOutcome(copied, SourceShorter: false, SourceLonger: longer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Pad(long size)
    {
        var pad = (int)((Block - (size % Block)) % Block);
        if (pad > 0)
        {
            output.Write(Zeros, 0, pad);
        }
    }

    private static char Flag(TarItemType type) => type switch
    {
        TarItemType.File => '0',
        TarItemType.HardLink => '1',
        TarItemType.Symlink => '2',
        TarItemType.CharDevice => '3',
        TarItemType.BlockDevice => '4',
        TarItemType.Directory => '5',
        TarItemType.Fifo => '6',
        _ => throw new ArgumentException($"{type} cannot be written", nameof(type)),
    };

    /// <summary>Writes the PAX records a member needs (whatever the ustar header cannot hold exactly) into <see cref="pax"/>; returns their length.</summary>
    private int PaxRecords(TarMember m, long size)
    {
        pax.SetLength(0);
        if (!FitsUstarName(m.Name))
        {
            AddRecord("path"u8, Encoding.UTF8.GetBytes(m.Name));
        }

        if (m.LinkName.Length > 0 && (m.LinkName.Length > 100 || !IsAscii(m.LinkName)))
        {
            AddRecord("linkpath"u8, Encoding.UTF8.GetBytes(m.LinkName));
        }

        if (m.Uid is < 0 or > MaxOctal7)
        {
            AddRecord("uid"u8, Encoding.ASCII.GetBytes(m.Uid.ToString(CultureInfo.InvariantCulture)));
        }

        if (m.Gid is < 0 or > MaxOctal7)
        {
            AddRecord("gid"u8, Encoding.ASCII.GetBytes(m.Gid.ToString(CultureInfo.InvariantCulture)));
        }

        if (size > MaxOctal11)
        {
            AddRecord("size"u8, Encoding.ASCII.GetBytes(size.ToString(CultureInfo.InvariantCulture)));
        }

        if (m.HasNanos || m.MtimeSeconds is < 0 or > MaxOctal11)
        {
            Span<byte> time = stackalloc byte[32];
            m.MtimeSeconds.TryFormat(time, out var n, default, CultureInfo.InvariantCulture);
            if (m.HasNanos)
            {
                time[n++] = (byte)'.';
                Math.Abs(m.MtimeNanos).TryFormat(time[n..], out var f, "D9", CultureInfo.InvariantCulture);
                n += f;
            }

            AddRecord("mtime"u8, time[..n]);
        }

        if (m.Xattrs.Count == 0)
        {
            return (int)pax.Length;
        }

        foreach (var (name, value) in m.Xattrs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (name.Contains('=', StringComparison.Ordinal))
            {
                AddRecord(Encoding.UTF8.GetBytes("LIBARCHIVE.xattr." + Uri.EscapeDataString(name)), Encoding.ASCII.GetBytes(Convert.ToBase64String(value)));
            }
            else
            {
                AddRecord(Encoding.UTF8.GetBytes("SCHILY.xattr." + name), value);
            }
        }

        return (int)pax.Length;
    }

    /// <summary>Appends "LEN key=value\n", where LEN counts its own digits too.</summary>
    private void AddRecord(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var rest = 1 + key.Length + 1 + value.Length + 1;
        var length = rest + 1;
        while (Digits(length) + rest != length)
        {
            length = Digits(length) + rest;
        }

        Span<byte> number = stackalloc byte[12];
        length.TryFormat(number, out var n, default, CultureInfo.InvariantCulture);
        pax.Write(number[..n]);
        pax.WriteByte((byte)' ');
        pax.Write(key);
        pax.WriteByte((byte)'=');
        pax.Write(value);
        pax.WriteByte((byte)'\n');
    }

    private static int Digits(int n) => n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : 8;

    private void FillHeader(string name, char flag, uint mode, long uid, long gid, long size, long mtime, string link, int devMajor, int devMinor)
    {
        Array.Clear(header);
        var (prefix, shortName) = SplitUstarName(name);
        WriteText(0, 100, shortName);
        WriteOctal(100, 8, mode & 0xFFF);
        WriteOctal(108, 8, uid is >= 0 and <= MaxOctal7 ? uid : 0);
        WriteOctal(116, 8, gid is >= 0 and <= MaxOctal7 ? gid : 0);
        WriteOctal(124, 12, size <= MaxOctal11 ? size : 0);
        WriteOctal(136, 12, mtime is >= 0 and <= MaxOctal11 ? mtime : 0);
        header[156] = (byte)flag;
        WriteText(157, 100, Encoding.UTF8.GetByteCount(link) <= 100 && IsAscii(link) ? link : Ascii(link, 100));
        "ustar\0"u8.CopyTo(header.AsSpan(257));
        "00"u8.CopyTo(header.AsSpan(263));
        WriteOctal(329, 8, Math.Max(0, devMajor));
        WriteOctal(337, 8, Math.Max(0, devMinor));
        WriteText(345, 155, prefix);
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in header)
        {
            sum += b;
        }

        WriteOctal(148, 7, sum);
        header[154] = 0;
        header[155] = (byte)' ';
    }

    private static bool IsAscii(string s) => !s.AsSpan().ContainsAnyExceptInRange(' ', (char)0x7E);

    private static bool FitsUstarName(string name)
    {
        if (!IsAscii(name))
        {
            return false;
        }

        var (prefix, shortName) = SplitUstarName(name);
        return (prefix.Length > 0 ? prefix + "/" + shortName : shortName) == name;
    }

    /// <summary>ustar's name/prefix split for ASCII names up to 255 bytes; otherwise a placeholder (the PAX path carries the name).</summary>
    private static (string Prefix, string Name) SplitUstarName(string name)
    {
        if (!IsAscii(name))
        {
            return ("", Ascii(name, 100));
        }

        if (name.Length <= 100)
        {
            return ("", name);
        }

        for (var i = name.Length - 1; i > 0; i--)
        {
            if (name[i] == '/' && i <= 155 && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return (name[..i], name[(i + 1)..]);
            }
        }

        return ("", name[..100]);
    }

    private static string Ascii(string s, int max)
    {
        var chars = s.Select(c => c is >= ' ' and < (char)0x7F ? c : '_').ToArray();
        return new string(chars, 0, Math.Min(chars.Length, max));
    }

    private void WriteText(int offset, int length, string text)
    {
        var n = Math.Min(text.Length, length);
        for (var i = 0; i < n; i++)
        {
            header[offset + i] = (byte)text[i];
        }
    }

    /// <summary>Writes <paramref name="value"/> as zero-padded octal in length-1 digits (the last byte stays NUL).</summary>
    private void WriteOctal(int offset, int length, long value)
    {
        for (var i = offset + length - 2; i >= offset; i--)
        {
            header[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
    }
}
