using DockerIR.Core.Extraction;

namespace DockerIR.Core.Tests;

/// <summary>The read-ahead decorator over a scripted source: order, content, large files, growth, failures on either side.</summary>
public sealed class PrefetchSourceTests
{
    /// <summary>A source that hands over its entries in order; content is the bytes given (null for none), or a failure after some entries.</summary>
    private sealed class ScriptedSource(IReadOnlyList<(SourceEntry Entry, byte[]? Content)> entries, int failAfter = -1) : IEntrySource
    {
        public string Name => "scripted";

        public string Detail => "test";

        public async Task ReadAsync(IReadOnlyList<WantedPath> wanted, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (i == failAfter)
                {
                    throw new IOException($"source failed at entry {i}");
                }

                var (entry, content) = entries[i];
                if (content is null)
                {
                    await sink(entry, null, cancellationToken);
                    continue;
                }

                // A stream that is valid only during the sink call, as the real sources promise.
                var stream = new MemoryStream(content, writable: false);
                await sink(entry, stream, cancellationToken);
                await stream.DisposeAsync();
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static SourceEntry File(string path, long size) => new() { Path = path, Type = EntryType.File, Size = size };

    private static byte[] Bytes(int n, int seed) => Enumerable.Range(0, n).Select(i => (byte)(i * 31 + seed)).ToArray();

    private static async Task<List<(string Path, byte[]? Content)>> ReadAllAsync(IEntrySource source, CancellationToken cancellationToken = default)
    {
        var got = new List<(string, byte[]?)>();
        await source.ReadAsync([new WantedPath("/", true)], async (entry, content, ct) =>
        {
            byte[]? bytes = null;
            if (content is not null)
            {
                using var copy = new MemoryStream();
                await content.CopyToAsync(copy, ct);
                bytes = copy.ToArray();
            }

            got.Add((entry.Path, bytes));
        }, cancellationToken);
        return got;
    }

    [Fact]
    public async Task ReadAsync_ManyEntriesOverSeveralSlabs_ArriveInOrderWithTheirExactBytes()
    {
        // 3,000 files of up to 4 KB, a directory every 100, and two files over the read-ahead limit that stream.
        var script = new List<(SourceEntry, byte[]?)>();
        for (var i = 0; i < 3000; i++)
        {
            if (i % 100 == 0)
            {
                script.Add((new SourceEntry { Path = $"/d{i}", Type = EntryType.Directory }, null));
            }

            var size = i is 1234 or 2999 ? PrefetchSource.BufferedFileLimit + 17 : i % 4096;
            script.Add((File($"/d{i / 100 * 100}/f{i}", size), Bytes(size, i)));
        }

        var source = new ScriptedSource(script);
        var got = await ReadAllAsync(new PrefetchSource(source));

        Assert.Equal(script.Select(s => s.Item1.Path), got.Select(g => g.Path));
        for (var i = 0; i < script.Count; i++)
        {
            Assert.True(script[i].Item2 is null ? got[i].Content is null : script[i].Item2!.AsSpan().SequenceEqual(got[i].Content), $"content of {script[i].Item1.Path}");
        }
    }

    [Fact]
    public async Task ReadAsync_FileThatGrewSinceItWasListed_ShowsOneByteMore()
    {
        // Declared 10 bytes, holds 50: the sink gets 11, enough for the tar writer to say the source was longer.
        var got = await ReadAllAsync(new PrefetchSource(new ScriptedSource([(File("/grew", 10), Bytes(50, 1))])));

        Assert.Equal(11, Assert.Single(got).Content!.Length);
    }

    [Fact]
    public async Task ReadAsync_SourceFailsMidway_EveryEarlierEntryIsDeliveredThenTheFailure()
    {
        var script = Enumerable.Range(0, 1500).Select(i => (File($"/f{i:D4}", 100), (byte[]?)Bytes(100, i))).ToList();
        var got = new List<string>();

        var e = await Assert.ThrowsAsync<IOException>(() => new PrefetchSource(new ScriptedSource(script, failAfter: 1200))
            .ReadAsync([], (entry, _, _) =>
            {
                got.Add(entry.Path);
                return Task.CompletedTask;
            }, CancellationToken.None));

        Assert.Contains("entry 1200", e.Message, StringComparison.Ordinal);
        Assert.Equal(script.Take(1200).Select(s => s.Item1.Path), got);
    }

    [Fact]
    public async Task ReadAsync_SinkFailsOnALargeFile_TheReaderStopsAndNothingHangs()
    {
        var script = new List<(SourceEntry, byte[]?)> { (File("/small", 5), Bytes(5, 0)), (File("/large", PrefetchSource.BufferedFileLimit * 2L), Bytes(PrefetchSource.BufferedFileLimit * 2, 0)) };
        script.AddRange(Enumerable.Range(0, 2000).Select(i => (File($"/after{i}", 10), (byte[]?)Bytes(10, i))));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new PrefetchSource(new ScriptedSource(script))
            .ReadAsync([], (entry, _, _) => entry.Path == "/large" ? throw new InvalidDataException("sink refused /large") : Task.CompletedTask, timeout.Token));

        Assert.Equal("sink refused /large", e.Message);
        Assert.False(timeout.IsCancellationRequested, "the reader must stop when the sink fails, not wait for it");
    }

    [Fact]
    public async Task ReadAsync_Cancelled_StopsWithCancellation()
    {
        var script = Enumerable.Range(0, 5000).Select(i => (File($"/f{i}", 10), (byte[]?)Bytes(10, i))).ToList();
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PrefetchSource(new ScriptedSource(script))
            .ReadAsync([], (_, _, _) =>
            {
                if (++seen == 700)
                {
                    cancel.Cancel();
                }

                return Task.CompletedTask;
            }, cancel.Token));

        Assert.Equal(700, seen);
    }
}
