using System.Buffers;
using System.Text;

namespace DockerIR.Core.Formats;

/// <summary>
/// A forward-only reader of ustar, GNU and PAX tar streams, written for hostile input: every header is
/// checksummed, extended headers and long names are bounded, numbers are range-checked, and member data is
/// exposed as a bounded stream. Unlike System.Formats.Tar's reader it accepts PAX values holding newlines,
/// which a container's file names can.
/// </summary>
public sealed class TarStreamReader(Stream stream) : IDisposable
{
    private readonly Stream source = stream;
    /// <summary>The largest PAX extended header or GNU long name accepted.</summary>
    public const int MaxExtendedHeader = 1 << 20;

    private const int Block = 512;
    private readonly byte[] header = new byte[Block];
    private BoundedStream? current;
    private bool ended;

    /// <summary>Bytes of the underlying stream consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>Reads the next member, skipping what is left of the previous one's data; null at the end of the archive.</summary>
    public async Task<TarItem?> NextAsync(CancellationToken cancellationToken)
    {
        if (ended)
        {
            return null;
        }

        await SkipCurrentAsync(cancellationToken);
        Dictionary<string, byte[]>? pax = null;
        string? longName = null;
        string? longLink = null;
        while (true)
        {
            if (!await ReadBlockAsync(header, cancellationToken))
            {
                ended = true;
                return null;
            }

            if (header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                // One zero block ends the archive (a second one usually follows; we do not need it).
                ended = true;
                return null;
            }

            VerifyChecksum();
            var flag = (char)header[156];
            var size = ParseNumber(header.AsSpan(124, 12), "size");
            if (size < 0)
            {
                throw new InvalidDataException("tar member with a negative size");
            }

            switch (flag)
            {
                case 'x' or 'g':
                {
                    var records = ParsePax(await ReadSmallAsync(size, "PAX header", cancellationToken));
                    if (flag == 'x')
                    {
                        pax = records;
                    }

                    continue;
                }

                case 'L':
                    longName = CString(await ReadSmallAsync(size, "GNU long name", cancellationToken));
                    continue;
                case 'K':
                    longLink = CString(await ReadSmallAsync(size, "GNU long link name", cancellationToken));
                    continue;
            }

            return BuildItem(flag, size, pax, longName, longLink);
        }
    }

    private TarItem BuildItem(char flag, long size, Dictionary<string, byte[]>? pax, string? longName, string? longLink)
    {
        var name = longName ?? UstarName();
        var link = longLink ?? CString(header.AsSpan(157, 100));
        long uid = ParseNumber(header.AsSpan(108, 8), "uid"), gid = ParseNumber(header.AsSpan(116, 8), "gid");
        var mtime = ParseNumber(header.AsSpan(136, 12), "mtime");
        var nanos = 0;
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (pax is not null)
        {
            string? Text(string key) => pax.TryGetValue(key, out var v) ? Encoding.UTF8.GetString(v) : null;
            name = Text("path") ?? name;
            link = Text("linkpath") ?? link;
            size = Text("size") is { } s ? ParsePaxLong(s, "size") : size;
            uid = Text("uid") is { } u ? ParsePaxLong(u, "uid") : uid;
            gid = Text("gid") is { } g ? ParsePaxLong(g, "gid") : gid;
            if (Text("mtime") is { } m)
            {
                (mtime, nanos) = ParsePaxTime(m);
            }

            foreach (var (key, value) in pax)
            {
                if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                {
                    xattrs[key["SCHILY.xattr.".Length..]] = value;
                }
                else if (key.StartsWith("LIBARCHIVE.xattr.", StringComparison.Ordinal))
                {
                    try
                    {
                        xattrs[Uri.UnescapeDataString(key["LIBARCHIVE.xattr.".Length..])] = Convert.FromBase64String(Encoding.ASCII.GetString(value));
                    }
                    catch (FormatException)
                    {
                        throw new InvalidDataException($"PAX {key} is not base64");
                    }
                }
            }
        }

        var type = flag switch
        {
            '0' or '\0' or '7' => name.EndsWith('/') ? TarItemType.Directory : TarItemType.File,
            '1' => TarItemType.HardLink,
            '2' => TarItemType.Symlink,
            '3' => TarItemType.CharDevice,
            '4' => TarItemType.BlockDevice,
            '5' => TarItemType.Directory,
            '6' => TarItemType.Fifo,
            _ => TarItemType.Other,
        };
        var dataSize = type is TarItemType.File or TarItemType.Other ? size : 0;
        if (type is not (TarItemType.File or TarItemType.Other) && size > 0)
        {
            // Some writers give hard links or directories a size; their data blocks still follow and must be skipped.
            dataSize = size;
        }

        current = new BoundedStream(this, dataSize);
        return new TarItem
        {
            Name = name,
            Type = type,
            TypeFlag = flag,
            Mode = (uint)(ParseNumber(header.AsSpan(100, 8), "mode") & 0xFFF),
            Uid = uid,
            Gid = gid,
            Size = type == TarItemType.File ? size : 0,
            MtimeSeconds = mtime,
            MtimeNanos = nanos,
            HasNanos = nanos != 0,
            LinkName = link,
            DevMajor = (int)ParseNumber(header.AsSpan(329, 8), "devmajor"),
            DevMinor = (int)ParseNumber(header.AsSpan(337, 8), "devminor"),
            Xattrs = xattrs,
            Data = type == TarItemType.File || type == TarItemType.Other ? current : Stream.Null,
        };
    }

    private string UstarName()
    {
        var name = CString(header.AsSpan(0, 100));
        var isUstar = header.AsSpan(257, 6).SequenceEqual("ustar\0"u8);
        if (isUstar)
        {
            var prefix = CString(header.AsSpan(345, 155));
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }
        }

        return name;
    }

    private void VerifyChecksum()
    {
        var stored = ParseNumber(header.AsSpan(148, 8), "checksum");
        long sum = 0;
        for (var i = 0; i < Block; i++)
        {
            sum += i is >= 148 and < 156 ? (byte)' ' : header[i];
        }

        if (sum != stored)
        {
            throw new InvalidDataException($"tar header checksum mismatch at offset {Position - Block}");
        }
    }

    private async Task SkipCurrentAsync(CancellationToken cancellationToken)
    {
        if (current is null)
        {
            return;
        }

        var remaining = current.Remaining + Padding(current.Length);
        current.Close();
        current = null;
        await SkipAsync(remaining, cancellationToken);
    }

    private async Task SkipAsync(long count, CancellationToken cancellationToken)
    {
        // A large member of a tar on disk is passed over without reading it (show, triage, verify of one member).
        if (count >= 1 << 16 && source.CanSeek)
        {
            if (source.Length - source.Position < count)
            {
                throw new EndOfStreamException("tar stream ends inside a member");
            }

            source.Seek(count, SeekOrigin.Current);
            Position += count;
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (count > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
                if (read == 0)
                {
                    throw new EndOfStreamException("tar stream ends inside a member");
                }

                count -= read;
                Position += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<byte[]> ReadSmallAsync(long size, string what, CancellationToken cancellationToken)
    {
        if (size > MaxExtendedHeader)
        {
            throw new InvalidDataException($"tar {what} of {size} bytes is larger than the {MaxExtendedHeader} accepted");
        }

        var data = new byte[size];
        await ReadExactAsync(data, cancellationToken);
        await SkipAsync(Padding(size), cancellationToken);
        return data;
    }

    private async Task<bool> ReadBlockAsync(byte[] block, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < Block)
        {
            var read = await source.ReadAsync(block.AsMemory(total, Block - total), cancellationToken);
            if (read == 0)
            {
                if (total == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("tar stream ends inside a header");
            }

            total += read;
            Position += read;
        }

        return true;
    }

    private async Task ReadExactAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await source.ReadAsync(buffer[total..], cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("tar stream ends inside a member");
            }

            total += read;
            Position += read;
        }
    }

    public void Dispose() => current?.Dispose();

    private static long Padding(long size) => (Block - (size % Block)) % Block;

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            // GNU base-256: big-endian two's complement in the remaining bits.
            if (field.Length > 9 && field[1..^8].IndexOfAnyExcept((byte)0) >= 0)
            {
                throw new InvalidDataException($"tar {what} field out of range");
            }

            long value = 0;
            foreach (var b in field[Math.Max(1, field.Length - 8)..])
            {
                value = (value << 8) | b;
            }

            return (field[0] & 0x40) != 0 ? -value : value;
        }

        long result = 0;
        var digits = 0;
        foreach (var b in field)
        {
            if (b is 0 or (byte)' ')
            {
                if (digits > 0)
                {
                    break;
                }

                continue;
            }

            if (b is < (byte)'0' or > (byte)'7')
            {
                throw new InvalidDataException($"tar {what} field is not octal");
            }

            if (++digits > 21)
            {
                throw new InvalidDataException($"tar {what} field out of range");
            }

            result = (result << 3) | (uint)(b - '0');
        }

        return result;
    }

    private static long ParsePaxLong(string value, string what) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, null, out var n)
            ? n : throw new InvalidDataException($"PAX {what} '{value}' is not a number");

    private static (long Seconds, int Nanos) ParsePaxTime(string value)
    {
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var secondsText = dot < 0 ? value : value[..dot];
        if (!long.TryParse(secondsText, System.Globalization.NumberStyles.AllowLeadingSign, null, out var seconds))
        {
            throw new InvalidDataException($"PAX mtime '{value}' is not a time");
        }

        var nanos = 0;
        if (dot >= 0)
        {
            var fraction = value[(dot + 1)..];
            if (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit))
            {
                throw new InvalidDataException($"PAX mtime '{value}' is not a time");
            }

            nanos = int.Parse(fraction.Length >= 9 ? fraction[..9] : fraction.PadRight(9, '0'), System.Globalization.CultureInfo.InvariantCulture);
            if (seconds < 0 || value.StartsWith('-'))
            {
                nanos = -nanos;
            }
        }

        return (seconds, nanos);
    }

    /// <summary>Parses "LEN key=value\n" records by their length prefix, so values may hold newlines or binary.</summary>
    private static Dictionary<string, byte[]> ParsePax(byte[] data)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var pos = 0;
        while (pos < data.Length)
        {
            if (data[pos] == 0)
            {
                break;
            }

            var space = Array.IndexOf(data, (byte)' ', pos);
            if (space < 0 || space - pos > 10 || !int.TryParse(Encoding.ASCII.GetString(data, pos, space - pos), System.Globalization.NumberStyles.None, null, out var length)
                || length <= space - pos + 2 || pos + length > data.Length || data[pos + length - 1] != '\n')
            {
                throw new InvalidDataException("malformed PAX extended header record");
            }

            var record = data.AsSpan(space + 1, pos + length - space - 2);
            var eq = record.IndexOf((byte)'=');
            if (eq <= 0)
            {
                throw new InvalidDataException("malformed PAX extended header record");
            }

            records[Encoding.UTF8.GetString(record[..eq])] = record[(eq + 1)..].ToArray();
            pos += length;
        }

        return records;
    }

    /// <summary>The data of the current member: reads at most its size from the archive.</summary>
    private sealed class BoundedStream(TarStreamReader owner, long length) : ReadOnlyStream
    {
        private bool closed;

        public long Remaining { get; private set; } = length;

        public override bool CanRead => !closed;
        public override long Length { get; } = length;
        public override long Position { get => Length - Remaining; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (closed || Remaining == 0)
            {
                return 0;
            }

            var read = owner.source.Read(buffer[..(int)Math.Min(buffer.Length, Remaining)]);
            return Account(read);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (closed || Remaining == 0)
            {
                return 0;
            }

            var read = await owner.source.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Remaining)], cancellationToken);
            return Account(read);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Close()
        {
            closed = true;
            base.Close();
        }

        private int Account(int read)
        {
            if (read == 0)
            {
                throw new EndOfStreamException("tar stream ends inside a member's data");
            }

            Remaining -= read;
            owner.Position += read;
            return read;
        }
    }
}
