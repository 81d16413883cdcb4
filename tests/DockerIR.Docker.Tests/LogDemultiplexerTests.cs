using System.Text;
using DockerIR.Docker.Api;

namespace DockerIR.Docker.Tests;

public sealed class LogDemultiplexerTests
{
    private static byte[] Frame(byte stream, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var header = new byte[8];
        header[0] = stream;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)payload.Length);
        return [.. header, .. payload];
    }

    [Fact]
    public async Task CopyAsync_Multiplexed_InterleavesStdoutAndStderrWithoutHeaders()
    {
        var source = new MemoryStream([.. Frame(1, "out one\n"), .. Frame(2, "err two\n"), .. Frame(1, "out three\n")]);
        var destination = new MemoryStream();

        var capture = await LogDemultiplexer.CopyAsync(source, destination, multiplexed: true, maxBytes: 1 << 20, CancellationToken.None);

        Assert.Equal("out one\nerr two\nout three\n", Encoding.UTF8.GetString(destination.ToArray()));
        Assert.False(capture.Truncated);
    }

    [Fact]
    public async Task CopyAsync_OverTheCap_StopsAtTheCapAndSaysSo()
    {
        var source = new MemoryStream([.. Frame(1, new string('a', 1000)), .. Frame(1, new string('b', 1000))]);
        var destination = new MemoryStream();

        var capture = await LogDemultiplexer.CopyAsync(source, destination, multiplexed: true, maxBytes: 1500, CancellationToken.None);

        Assert.Equal(1500, destination.Length);
        Assert.True(capture.Truncated);
    }

    [Fact]
    public async Task CopyAsync_Tty_CopiesRawBytes()
    {
        var source = new MemoryStream(Encoding.UTF8.GetBytes("raw tty output\r\n"));
        var destination = new MemoryStream();

        await LogDemultiplexer.CopyAsync(source, destination, multiplexed: false, maxBytes: 1 << 20, CancellationToken.None);

        Assert.Equal("raw tty output\r\n", Encoding.UTF8.GetString(destination.ToArray()));
    }

    [Fact]
    public async Task CopyAsync_FrameCutShort_KeepsWhatArrived()
    {
        var full = Frame(1, "complete\n");
        var cut = Frame(2, "this frame is cut");
        var source = new MemoryStream([.. full, .. cut[..12]]);
        var destination = new MemoryStream();

        await LogDemultiplexer.CopyAsync(source, destination, multiplexed: true, maxBytes: 1 << 20, CancellationToken.None);

        Assert.Equal("complete\nthis", Encoding.UTF8.GetString(destination.ToArray()));
    }
}
