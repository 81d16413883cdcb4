using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DockerIR.Core.Platform;

/// <summary>
/// A stream whose short read means its end (a regular file read with pread, or bytes already in memory), so a
/// reader that got fewer bytes than it asked for needs no further read to know the source ended.
/// </summary>
internal interface IShortReadMeansEnd;

/// <summary>What lstat-like reading of one path on the host says (statx, never following a final symlink).</summary>
internal readonly record struct HostStat(
    uint Mode,
    long Uid,
    long Gid,
    long Size,
    long MtimeSeconds,
    int MtimeNanos,
    uint NLink,
    ulong Ino,
    ulong Dev,
    int RdevMajor,
    int RdevMinor,
    long AtimeSeconds = 0,
    int AtimeNanos = 0,
    long CtimeSeconds = 0,
    int CtimeNanos = 0)
{
    public const uint TypeMask = 0xF000;
    public const uint Fifo = 0x1000;
    public const uint CharDevice = 0x2000;
    public const uint Directory = 0x4000;
    public const uint BlockDevice = 0x6000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;
    public const uint Socket = 0xC000;

    public uint Type => Mode & TypeMask;

    public uint Permissions => Mode & 0xFFF;
}

/// <summary>The few Linux calls the tool needs and .NET does not expose (layer reads, evidence opens, the canary's view of an image).</summary>
internal static partial class Native
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const int ORdOnly = 0;
    private const int ONoFollow = 0x20000;
    private const int ONoAtime = 0x40000;
    private const int OCloExec = 0x80000;
    private const int ODirectory = 0x10000;
    private const int ONonBlock = 0x800;
    private const int AtEmptyPath = 0x1000;
    private const int ENoEnt = 2;
    private const int ENotDir = 20;
    private const int EPerm = 1;
    private const int ENoData = 61;
    private const int ERange = 34;
    private const int ELoop = 40;
    internal const int EIntr = 4;

    /// <summary>Stats a path without following a final symlink; null when it does not exist.</summary>
    public static HostStat? LStat(string path) => LStatAt(AtFdCwd, path);

    /// <summary>Stats a name inside an open directory without following it; null when it does not exist.</summary>
    public static HostStat? LStatAt(SafeFileHandle directory, string name)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            return LStatAt((int)directory.DangerousGetHandle(), name);
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    /// <summary>Stats an open file through its descriptor (no path lookup): what the handle holds, even when unlinked.</summary>
    public static HostStat FStat(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            return LStatAt((int)file.DangerousGetHandle(), "", AtEmptyPath) ?? throw new IOException("fstat: the file is gone");
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Opens a directory for *at() calls, refusing a symlink; null when it does not exist.</summary>
    public static SafeFileHandle? OpenDirectory(string path)
    {
        var fd = open(path, ORdOnly | ODirectory | ONoFollow | OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENoEnt or ENotDir or ELoop ? null : throw new IOException($"open {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Opens a regular file inside an open directory, as <see cref="OpenForEvidence"/> does for a path.</summary>
    public static EvidenceFileStream OpenForEvidenceAt(SafeFileHandle directory, string name, string pathForMessages)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            var dirfd = (int)directory.DangerousGetHandle();
            var fd = openat(dirfd, name, ORdOnly | ONoFollow | ONoAtime | OCloExec);
            if (fd < 0 && Marshal.GetLastPInvokeError() == EPerm)
            {
                fd = openat(dirfd, name, ORdOnly | ONoFollow | OCloExec);
            }

            if (fd < 0)
            {
                throw OpenError(Marshal.GetLastPInvokeError(), pathForMessages);
            }

            return new EvidenceFileStream(new SafeFileHandle(fd, ownsHandle: true));
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    private static unsafe HostStat? LStatAt(int dirfd, string path, int flags = AtSymlinkNoFollow)
    {
        var buffer = stackalloc byte[256];
        if (statx(dirfd, path, flags, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENoEnt or ENotDir)
            {
                return null;
            }

            throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var b = new ReadOnlySpan<byte>(buffer, 256);
        return new HostStat(
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(b[28..]),
            Uid: BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
            Gid: BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            Size: (long)BinaryPrimitives.ReadUInt64LittleEndian(b[40..]),
            MtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(b[112..]),
            MtimeNanos: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[120..]),
            NLink: BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            Ino: BinaryPrimitives.ReadUInt64LittleEndian(b[32..]),
            Dev: ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(b[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(b[140..]),
            RdevMajor: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[128..]),
            RdevMinor: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[132..]),
            AtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(b[64..]),
            AtimeNanos: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[72..]),
            CtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(b[96..]),
            CtimeNanos: (int)BinaryPrimitives.ReadUInt32LittleEndian(b[104..]));
    }

    /// <summary>
    /// Opens a regular file for reading without following a final symlink and without touching its access
    /// time (O_NOATIME; retried without it where the kernel refuses it to a non-owner).
    /// </summary>
    public static Stream OpenForEvidence(string path)
    {
        var fd = open(path, ORdOnly | ONoFollow | ONoAtime | OCloExec);
        if (fd < 0 && Marshal.GetLastPInvokeError() == EPerm)
        {
            fd = open(path, ORdOnly | ONoFollow | OCloExec);
        }

        if (fd < 0)
        {
            throw OpenError(Marshal.GetLastPInvokeError(), path);
        }

        return new EvidenceFileStream(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>
    /// Opens a file of a case directory for reading, refusing anything but a regular file: no symlink is followed
    /// (O_NOFOLLOW), a FIFO or device never blocks the open (O_NONBLOCK), and the type is checked on the opened
    /// descriptor, so a file swapped after a listing cannot slip through. A case is as hostile as a bundle.
    /// </summary>
    public static FileStream OpenRegularFile(string path, int bufferSize)
    {
        var fd = open(path, ORdOnly | ONoFollow | ONonBlock | OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == ELoop
                ? new DockerIRException(FailureKind.VerificationFailed, $"{path} is a symbolic link, which dockerir never writes into a case")
                : OpenError(errno, path);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (LStatAt(fd, "", AtEmptyPath) is not { Type: HostStat.Regular })
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"{path} is not a regular file (a FIFO, device or directory), which dockerir never writes into a case");
            }

            return new FileStream(handle, FileAccess.Read, bufferSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A small file read whole, opened as <see cref="OpenRegularFile"/> opens it (a FIFO or device refused, never waited
    /// on); through a link only with <paramref name="followLink"/> (a file the user named, not one found in a case).
    /// Null when it is over <paramref name="max"/> bytes.
    /// </summary>
    public static byte[]? ReadSmallRegularFile(string path, int max, bool followLink)
    {
        var target = followLink && (File.Exists(path) || Directory.Exists(path)) ? File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path : path;
        using var stream = OpenRegularFile(target, 1);
        var buffer = new byte[max + 1];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return read > max ? null : buffer[..read];
    }

    private static IOException OpenError(int errno, string path) => errno switch
    {
        ENoEnt => new FileNotFoundException($"{path}: no such file or directory"),
        ELoop => new IOException($"{path} became a symlink"),
        _ => new IOException($"open {path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    private static readonly Dictionary<string, byte[]> NoXattrs = new(StringComparer.Ordinal);

    /// <summary>The extended attributes of a path (not following a final symlink), names to raw values; a shared empty (never to be modified) set when there are none.</summary>
    public static IReadOnlyDictionary<string, byte[]> ListXattrs(string path) =>
        ListXattrs((buffer, size) => llistxattr(path, buffer, size), name => GetXattr(path, name));

    /// <summary>The extended attributes of an open file, read through its descriptor (no path lookup).</summary>
    public static IReadOnlyDictionary<string, byte[]> ListXattrs(EvidenceFileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var fd = file.Descriptor;
        // Most files have none: one call tells, without the closures the general path needs.
        return flistxattr(fd, null, 0) <= 0 ? NoXattrs
            : ListXattrs((buffer, size) => flistxattr(fd, buffer, size), name => ReadXattr((b, n) => fgetxattr(fd, name, b, n), $"fd {fd}", name));
    }

    /// <summary>
    /// The names in an open directory (not "." and ".."), read from the descriptor itself: the directory listed is
    /// the one opened without following a symlink, even if its path is swapped meanwhile.
    /// </summary>
    public static unsafe List<string> ListNames(SafeFileHandle directory, string pathForMessages)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            // fdopendir owns the descriptor it is given: the same directory opened again through "." (its own
            // offset, and never another directory), so the caller's handle stays open and unmoved.
            var fd = openat(checked((int)directory.DangerousGetHandle()), ".", ORdOnly | ODirectory | ONoFollow | OCloExec);
            if (fd < 0)
            {
                throw new IOException($"list {pathForMessages}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            var stream = fdopendir(fd);
            if (stream == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                _ = close(fd);
                throw new IOException($"list {pathForMessages}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            try
            {
                var names = new List<string>();
                while (true)
                {
                    Marshal.SetLastPInvokeError(0);
                    var entry = (byte*)readdir(stream);
                    if (entry is null)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        return errno == 0 ? names : throw new IOException($"list {pathForMessages}: {Marshal.GetPInvokeErrorMessage(errno)}");
                    }

                    // struct dirent on Linux/glibc: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                    var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + 19);
                    if (name is [(byte)'.'] or [(byte)'.', (byte)'.'])
                    {
                        continue;
                    }

                    names.Add(Encoding.UTF8.GetString(name));
                }
            }
            finally
            {
                _ = closedir(stream);
            }
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    public static byte[]? GetXattr(string path, string name) =>
        ReadXattr((buffer, size) => lgetxattr(path, name, buffer, size), path, name);

    private static IReadOnlyDictionary<string, byte[]> ListXattrs(Func<byte[]?, nint, nint> list, Func<string, byte[]?> get)
    {
        var size = list(null, 0);
        if (size <= 0)
        {
            return NoXattrs;
        }

        var names = new byte[size + 256];
        size = list(names, names.Length);
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (size <= 0)
        {
            return result;
        }

        foreach (var name in Encoding.UTF8.GetString(names, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (get(name) is { } value)
            {
                result[name] = value;
            }
        }

        return result;
    }

    private static byte[]? ReadXattr(Func<byte[]?, nint, nint> get, string what, string name)
    {
        var size = get(null, 0);
        if (size < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENoData or ENoEnt or ERange ? null : throw new IOException($"getxattr {what} {name}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var value = new byte[size];
        if (size > 0)
        {
            size = get(value, value.Length);
            if (size < 0)
            {
                return null;
            }
        }

        return value[..(int)size];
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string pathname, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(int dirfd, string pathname, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint llistxattr(string path, byte[]? list, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte[]? value, nint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint flistxattr(int fd, byte[]? list, nint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint fdopendir(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readdir(nint dir);

    [LibraryImport("libc")]
    private static partial int closedir(nint dir);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    /// <summary>pread(2): reads at an offset without moving (or asking about) the file position.</summary>
    [LibraryImport("libc", SetLastError = true)]
    internal static unsafe partial nint pread(SafeFileHandle fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint fgetxattr(int fd, string name, byte[]? value, nint size);
}

/// <summary>
/// A read-only stream over an evidence file that reads synchronously even when asked asynchronously: reads of a
/// paused layer come from the page cache, and a thread-pool hop per read would cost more than the read.
/// </summary>
internal sealed class EvidenceFileStream(SafeFileHandle handle) : ReadOnlyStream, IShortReadMeansEnd
{
    private long position;

    /// <summary>The file descriptor (for calls on the open file, such as its xattrs).</summary>
    public int Descriptor => (int)handle.DangerousGetHandle();

    public override long Length => RandomAccess.GetLength(handle);
    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override unsafe int Read(Span<byte> buffer)
    {
        // pread directly: RandomAccess.Read would first ask the kernel whether the file can seek (an lseek per file).
        nint read;
        fixed (byte* p = buffer)
        {
            while ((read = Native.pread(handle, p, buffer.Length, position)) < 0 && Marshal.GetLastPInvokeError() == Native.EIntr)
            {
            }
        }

        if (read < 0)
        {
            throw new IOException($"read: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        position += read;
        return (int)read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
