using System.Runtime.InteropServices;

namespace DockerIR.Core.Platform;

/// <summary>
/// Writes through to a new file and, every few megabytes, asks the kernel to start writing what it already holds
/// to disk (sync_file_range, SYNC_FILE_RANGE_WRITE, which does not wait). The disk then works while the writer goes
/// on, and the <c>fsync</c> that makes the file durable at the end has only the last stretch left to wait for.
/// It changes when data reaches the disk, never what is written; where the call is not available it does nothing.
/// </summary>
public sealed partial class WritebackStream(FileStream file, long every = 8L << 20) : Stream
{
    private const int SyncFileRangeWrite = 2;
    private long written = file.Position;
    private long started = file.Position;
    private bool unavailable = !OperatingSystem.IsLinux();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => written;
    public override long Position { get => written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        written += buffer.Length;
        if (written - started >= every)
        {
            StartWriteback();
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void StartWriteback()
    {
        // What the FileStream still buffers is not in the kernel yet: hand it over first.
        file.Flush();
        if (!unavailable)
        {
            try
            {
                unavailable = sync_file_range(file.SafeFileHandle, started, written - started, SyncFileRangeWrite) != 0;
            }
            catch (EntryPointNotFoundException)
            {
                unavailable = true;
            }
        }

        started = written;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sync_file_range(SafeHandle fd, long offset, long nbytes, uint flags);
}
