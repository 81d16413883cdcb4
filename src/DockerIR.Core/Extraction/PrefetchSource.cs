using System.Collections.Concurrent;
using System.Threading.Channels;
using DockerIR.Core.Platform;

namespace DockerIR.Core.Extraction;

/// <summary>
/// Runs another source's reading on a second thread, ahead of the sink: while the sink hashes and stores one
/// stretch of entries, the next stretch is walked and read (the system calls of a layer walk, the network reads of
/// the archive source). Entries reach the sink in the source's order, exactly as the source handed them over.
/// Small files travel as bytes in a few reused 2 MiB slabs, so what is read ahead is bounded (at most
/// <see cref="MaxSlabs"/> slabs); a larger file is handed over as its live stream, and the reading thread waits
/// until the sink has consumed it. Whatever fails on either side stops both.
/// </summary>
public sealed class PrefetchSource(IEntrySource inner) : IEntrySource
{
    /// <summary>Files below this size are read ahead into memory; larger ones stream.</summary>
    public const int BufferedFileLimit = 1 << 20;
    private const int SlabSize = 2 << 20;
    private const int BatchEntries = 512;
    private const int QueuedBatches = 2;
    private const int MaxSlabs = QueuedBatches + 2;

    private readonly ConcurrentQueue<byte[]> freeSlabs = new();

    public string Name => inner.Name;

    public string Detail => inner.Detail;

    public async Task ReadAsync(IReadOnlyList<WantedPath> wanted, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(sink);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(QueuedBatches) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ProduceAsync(wanted, channel.Writer, stop.Token), CancellationToken.None);
        // One stream over the slabs, moved from file to file: a sink's stream is only valid during its call.
        var content = new SlabContent();
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var batch))
                {
                    try
                    {
                        foreach (var item in batch.Items)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            await ConsumeAsync(item, batch.Slab, content, sink, cancellationToken);
                        }
                    }
                    finally
                    {
                        Release(batch);
                    }
                }
            }

            await producer;
        }
        catch
        {
            await stop.CancelAsync();
            // The reading thread stops at its next entry; what it queued is released, nothing is left waiting.
            await producer.ContinueWith(_ => { }, TaskScheduler.Default);
            while (channel.Reader.TryRead(out var batch))
            {
                foreach (var item in batch.Items)
                {
                    item.Consumed?.TrySetCanceled(CancellationToken.None);
                }

                Release(batch);
            }

            throw;
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static async Task ConsumeAsync(Item item, byte[]? slab, SlabContent content, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        if (item.Consumed is null)
        {
            await sink(item.Entry, item.Length < 0 ? null : content.Over(slab!, item.Offset, item.Length), cancellationToken);
            return;
        }

        try
        {
            await sink(item.Entry, item.Live, cancellationToken);
            item.Consumed.TrySetResult();
        }
        catch (Exception e)
        {
            item.Consumed.TrySetException(e);
            throw;
        }
    }

    private async Task ProduceAsync(IReadOnlyList<WantedPath> wanted, ChannelWriter<Batch> writer, CancellationToken cancellationToken)
    {
        var batch = new Batch();
        try
        {
            await inner.ReadAsync(wanted, async (entry, content, ct) =>
            {
                if (content is null)
                {
                    batch.Items.Add(new Item(entry, -1, -1, null, null));
                }
                else if (entry.Type == EntryType.File && entry.Size is >= 0 and < BufferedFileLimit)
                {
                    var room = (int)entry.Size + 1;
                    if (batch.Slab is not null && SlabSize - batch.Used < room)
                    {
                        await PostAsync(writer, batch, ct);
                        batch = new Batch();
                    }

                    batch.Slab ??= Slab();
                    // One byte more than declared: a file that grew since it was listed shows itself.
                    var length = await ReadUpToAsync(content, batch.Slab.AsMemory(batch.Used, room), ct);
                    batch.Items.Add(new Item(entry, batch.Used, length, null, null));
                    batch.Used += length;
                }
                else
                {
                    var consumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    batch.Items.Add(new Item(entry, 0, 0, content, consumed));
                    await PostAsync(writer, batch, ct);
                    batch = new Batch();
                    await consumed.Task.WaitAsync(ct);
                    return;
                }

                if (batch.Items.Count >= BatchEntries)
                {
                    await PostAsync(writer, batch, ct);
                    batch = new Batch();
                }
            }, cancellationToken);

            await PostAsync(writer, batch, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // What was read before the source failed still reaches the sink, then the failure (as it would
            // without read-ahead); if the sink has stopped, the post is cancelled and the slab released.
            try
            {
                await PostAsync(writer, batch, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Release(batch);
            }

            throw;
        }
        catch
        {
            Release(batch);
            throw;
        }
        finally
        {
            // The sink gets everything read before a failure, then the failure itself from this task.
            writer.TryComplete();
        }
    }

    private static async Task PostAsync(ChannelWriter<Batch> writer, Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Items.Count > 0 || batch.Slab is not null)
        {
            await writer.WriteAsync(batch, cancellationToken);
        }
    }

    private static async ValueTask<int> ReadUpToAsync(Stream content, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await content.ReadAsync(buffer[filled..], cancellationToken);
            filled += read;
            if (read == 0 || (content is IShortReadMeansEnd && filled < buffer.Length))
            {
                break;
            }
        }

        return filled;
    }

    private byte[] Slab() => freeSlabs.TryDequeue(out var slab) ? slab : GC.AllocateUninitializedArray<byte>(SlabSize);

    private void Release(Batch batch)
    {
        if (batch.Slab is not null && freeSlabs.Count < MaxSlabs)
        {
            freeSlabs.Enqueue(batch.Slab);
        }
    }

    /// <summary>One entry: its bytes in the batch's slab (Length -1 for none), or its live stream to be consumed.</summary>
    private readonly record struct Item(SourceEntry Entry, int Offset, int Length, Stream? Live, TaskCompletionSource? Consumed);

    private sealed class Batch
    {
        public List<Item> Items { get; } = new(BatchEntries);
        public byte[]? Slab { get; set; }
        public int Used { get; set; }
    }

    /// <summary>The bytes of one small file as the reading thread read them (at most its declared size plus one).</summary>
    private sealed class SlabContent : ReadOnlyStream, IShortReadMeansEnd
    {
        private byte[] slab = [];
        private int offset;
        private int length;
        private int position;

        public SlabContent Over(byte[] bytes, int start, int count)
        {
            (slab, offset, length, position) = (bytes, start, count, 0);
            return this;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, length - position);
            slab.AsSpan(offset + position, n).CopyTo(buffer);
            position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }
}
