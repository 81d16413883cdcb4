using System.Security.Cryptography;

namespace DockerIR.Core.Case;

/// <summary>
/// A read-through stream that hashes (SHA-256) and counts everything read from the inner stream, and can keep a
/// bounded copy of it (for diffs of small text files).
/// </summary>
/// <param name="limit">Bytes beyond this many are passed through but neither hashed nor kept.</param>
/// <param name="reuse">A SHA-256 context to reuse (reset here, not disposed), saving a context per small file.</param>
public sealed class HashingStream(Stream inner, int keepUpTo = 0, long limit = long.MaxValue, IncrementalHash? reuse = null) : ReadOnlyStream
{
    private readonly IncrementalHash hash = Reset(reuse) ?? IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly bool ownsHash = reuse is null;
    private MemoryStream? kept = keepUpTo > 0 ? new MemoryStream() : null;

    public long BytesRead { get; private set; }

    /// <summary>The bytes read, when they fit in the size asked for at construction; null otherwise.</summary>
    public byte[]? Kept => kept?.ToArray();

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    /// <summary>The lowercase hex SHA-256 of everything read so far.</summary>
    public string HashHex()
    {
        Span<byte> digest = stackalloc byte[32];
        hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Account(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Account(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();


    /// <summary>Hashes a whole stream (reading it to its end) and returns the hex digest and the byte count.</summary>
    public static async Task<(string Sha256, long Bytes)> HashAsync(Stream stream, CancellationToken cancellationToken)
    {
        await using var hashing = new HashingStream(stream);
        await hashing.CopyToAsync(Stream.Null, 1 << 16, cancellationToken);
        return (hashing.HashHex(), hashing.BytesRead);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (ownsHash)
            {
                hash.Dispose();
            }

            kept?.Dispose();
        }

        base.Dispose(disposing);
    }

    private static IncrementalHash? Reset(IncrementalHash? reuse)
    {
        if (reuse is not null)
        {
            Span<byte> discard = stackalloc byte[32];
            reuse.GetHashAndReset(discard);
        }

        return reuse;
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (BytesRead + data.Length > limit)
        {
            data = data[..(int)Math.Max(0, limit - BytesRead)];
        }

        hash.AppendData(data);
        BytesRead += data.Length;
        if (kept is not null)
        {
            if (kept.Length + data.Length <= keepUpTo)
            {
                kept.Write(data);
            }
            else
            {
                kept.Dispose();
                kept = null;
            }
        }
    }
}
