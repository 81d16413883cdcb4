using System.Buffers;
using System.Buffers.Binary;
using DockerIR.Core.Engine;

namespace DockerIR.Docker.Api;

/// <summary>
/// Copies a container log stream to a destination, bounded. Without a TTY the engine multiplexes stdout and
/// stderr in frames of an 8-byte header (stream, 3 zero bytes, big-endian length) and a payload.
/// </summary>
internal static class LogDemultiplexer
{
    public static async Task<LogCapture> CopyAsync(Stream source, Stream destination, bool multiplexed, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long written = 0;
            if (!multiplexed)
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    var keep = (int)Math.Min(read, maxBytes - written);
                    await destination.WriteAsync(buffer.AsMemory(0, keep), cancellationToken);
                    written += keep;
                    if (written >= maxBytes)
                    {
                        return new LogCapture(written, Truncated: keep < read || await HasMoreAsync(source, buffer, cancellationToken));
                    }
                }

                return new LogCapture(written, Truncated: false);
            }

            var header = new byte[8];
            while (await ReadExactlyOrEndAsync(source, header, cancellationToken))
            {
                var remaining = (long)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                while (remaining > 0)
                {
                    var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
                    if (read == 0)
                    {
                        return new LogCapture(written, Truncated: false);
                    }

                    remaining -= read;
                    var keep = (int)Math.Min(read, maxBytes - written);
                    await destination.WriteAsync(buffer.AsMemory(0, keep), cancellationToken);
                    written += keep;
                    if (written >= maxBytes)
                    {
                        return new LogCapture(written, Truncated: keep < read || remaining > 0 || await HasMoreAsync(source, buffer, cancellationToken));
                    }
                }
            }

            return new LogCapture(written, Truncated: false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<bool> HasMoreAsync(Stream source, byte[] buffer, CancellationToken cancellationToken) =>
        await source.ReadAsync(buffer.AsMemory(0, 1), cancellationToken) > 0;

    private static async Task<bool> ReadExactlyOrEndAsync(Stream source, byte[] header, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < header.Length)
        {
            var read = await source.ReadAsync(header.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                return false;
            }

            total += read;
        }

        return true;
    }
}
