using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DockerIR.Core.Platform;

/// <summary>One line of /proc/net/{tcp,tcp6,udp,udp6}: both ends, the state and the socket's inode.</summary>
internal readonly record struct InetSocket(string Protocol, IPAddress Local, int LocalPort, IPAddress Remote, int RemotePort, string State, ulong Inode);

/// <summary>One line of /proc/net/unix.</summary>
internal readonly record struct UnixSocket(string Type, string State, ulong Inode, string? Path);

/// <summary>One line of /proc/PID/maps.</summary>
internal readonly record struct MapsLine(ulong Start, ulong End, string Perms, ulong Offset, ulong Inode, string? Path);

/// <summary>
/// Reads the host's /proc: bounded reads of a process's files (what a hostile process put there is only data),
/// its links, and the kernel's text tables, parsed. A process that ends meanwhile reads as null, never as an error.
/// </summary>
internal static partial class ProcFs
{
    public const string Root = "/proc";

    /// <summary>The numeric entries of /proc (one per thread group).</summary>
    public static IEnumerable<int> Pids()
    {
        foreach (var entry in Directory.EnumerateDirectories(Root))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Up to <paramref name="max"/> bytes of a /proc file; null when it (or its process) is gone or unreadable.</summary>
    public static byte[]? Read(string path, int max, out bool truncated)
    {
        truncated = false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var buffer = new byte[Math.Min(max, 64 << 10) + 1];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        truncated = true;
                        return buffer[..max];
                    }

                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, max + 1));
                }

                var read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > max)
            {
                truncated = true;
                length = max;
            }

            return buffer[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A /proc file as text (UTF-8, invalid bytes replaced); null when gone.</summary>
    public static string? ReadText(string path, int max = 1 << 20) =>
        Read(path, max, out _) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>A NUL-separated /proc file (cmdline, environ) as its strings; empty when gone.</summary>
    public static IReadOnlyList<string> ReadNulList(string path, int max, out bool truncated)
    {
        var bytes = Read(path, max, out truncated);
        if (bytes is null || bytes.Length == 0)
        {
            return [];
        }

        var text = Encoding.UTF8.GetString(bytes);
        return text.TrimEnd('\0').Split('\0');
    }

    /// <summary>What a /proc link says (readlink); null when gone or unreadable.</summary>
    public static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The names of a /proc directory (fd, map_files, ns); empty when gone.</summary>
    public static IReadOnlyList<string> List(string path)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).OfType<string>().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The "Key:\tvalue" lines of /proc/PID/status.</summary>
    public static Dictionary<string, string> ParseStatus(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }

        return fields;
    }

    /// <summary>The numbers of a status field ("Uid:\t0\t0\t0\t0"); empty when absent.</summary>
    public static IReadOnlyList<long> Numbers(Dictionary<string, string> status, string key) =>
        status.TryGetValue(key, out var value)
            ? value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToList()
            : [];

    /// <summary>
    /// The parent pid and start time (clock ticks after boot) of /proc/PID/stat. The command name is between the
    /// first '(' and the last ')', and may itself hold spaces and parentheses.
    /// </summary>
    public static (int ParentPid, ulong StartTicks)? ParseStat(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        // After ") ": state(3) ppid(4) ... starttime(22): index 0 is field 3.
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19
            && int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ppid)
            && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? (ppid, start) : null;
    }

    /// <summary>When the host booted, to about 10 ms (<see cref="BootTimeOf"/> of /proc/uptime and /proc/stat, now).</summary>
    public static DateTimeOffset? BootTime() =>
        BootTimeOf(ReadText(Path.Combine(Root, "uptime")), ReadText(Path.Combine(Root, "stat")), DateTimeOffset.UtcNow);

    /// <summary>
    /// When the host booted: the clock now less /proc/uptime's seconds since boot (to the hundredth, the same clock
    /// the start times of /proc/PID/stat count from), so a process's start time lands within about 10 ms; the btime
    /// line of /proc/stat, whole seconds, when uptime is missing or disagrees with it by more than 2 s (a clock
    /// stepped between the two reads).
    /// </summary>
    public static DateTimeOffset? BootTimeOf(string? uptimeText, string? statText, DateTimeOffset now)
    {
        DateTimeOffset? btime = null;
        foreach (var line in (statText ?? "").Split('\n'))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line[6..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                && seconds is > 0 and < 253_402_300_799L)
            {
                btime = DateTimeOffset.FromUnixTimeSeconds(seconds);
                break;
            }
        }

        var first = (uptimeText ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (double.TryParse(first, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var up) && up is >= 0 and < 1e9)
        {
            var boot = now - TimeSpan.FromSeconds(up);
            if (btime is null || Math.Abs((boot - btime.Value).TotalSeconds) <= 2)
            {
                return boot;
            }
        }

        return btime;
    }

    /// <summary>Clock ticks per second, the unit of /proc/PID/stat's times.</summary>
    public static long ClockTicks { get; } = sysconf(2) is var t and > 0 ? t : 100;

    private static readonly string[] TcpStates = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"];

    /// <summary>The sockets of one /proc/net/{tcp,tcp6,udp,udp6} table. A line that does not parse is skipped.</summary>
    public static List<InetSocket> ParseInet(string text, string protocol)
    {
        var sockets = new List<InetSocket>();
        var udp = protocol.StartsWith("udp", StringComparison.Ordinal);
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || ParseEndpoint(f[1]) is not { } local || ParseEndpoint(f[2]) is not { } remote
                || !int.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var st)
                || !ulong.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                continue;
            }

            var state = udp ? (st == 7 ? "UNCONN" : st == 1 ? "ESTABLISHED" : $"0x{st:X2}")
                : st > 0 && st < TcpStates.Length ? TcpStates[st] : $"0x{st:X2}";
            sockets.Add(new InetSocket(protocol, local.Address, local.Port, remote.Address, remote.Port, state, inode));
        }

        return sockets;
    }

    /// <summary>"0100007F:1F90" (IPv4, the address's 32-bit word in host order) or 32 hex digits (IPv6, four such words).</summary>
    internal static IPEndPoint? ParseEndpoint(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        var hex = text[..colon];
        if (hex.Length is not (8 or 32))
        {
            return null;
        }

        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            // The kernel prints each 32-bit word as the little-endian host holds it.
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), BitConverter.IsLittleEndian ? value : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value));
        }

        var address = new IPAddress(bytes);
        return new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
    }

    /// <summary>The sockets of /proc/net/unix.</summary>
    public static List<UnixSocket> ParseUnix(string text)
    {
        var sockets = new List<UnixSocket>();
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', 8, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 7 || !ulong.TryParse(f[6], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                continue;
            }

            var type = f[4] switch { "0001" => "stream", "0002" => "dgram", "0005" => "seqpacket", _ => f[4] };
            var state = f[5] switch { "01" => "UNCONNECTED", "02" => "CONNECTING", "03" => "CONNECTED", "04" => "DISCONNECTING", _ => f[5] };
            sockets.Add(new UnixSocket(type, state, inode, f.Length > 7 ? f[7] : null));
        }

        return sockets;
    }

    /// <summary>The mappings of /proc/PID/maps.</summary>
    public static List<MapsLine> ParseMaps(string text)
    {
        var maps = new List<MapsLine>();
        foreach (var line in text.Split('\n'))
        {
            // start-end perms offset dev inode [path, which may hold spaces]
            var f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5)
            {
                continue;
            }

            var dash = f[0].IndexOf('-', StringComparison.Ordinal);
            if (dash < 0
                || !ulong.TryParse(f[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(f[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
                || !ulong.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var offset)
                || !ulong.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                || end < start)
            {
                continue;
            }

            maps.Add(new MapsLine(start, end, f[1], offset, inode, f.Length > 5 ? f[5].TrimStart() : null));
        }

        return maps;
    }

    /// <summary>Opens a process's memory (/proc/PID/mem) for positioned reads; null when the process is gone or refuses.</summary>
    public static SafeFileHandle? OpenMemory(int pid)
    {
        try
        {
            return File.OpenHandle(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), "mem"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads process memory at an address; the errno when the kernel refuses the region (EIO for a guard page).</summary>
    public static unsafe (int Read, int Errno) ReadMemory(SafeFileHandle memory, Span<byte> buffer, ulong address)
    {
        nint read;
        fixed (byte* p = buffer)
        {
            while ((read = Native.pread(memory, p, buffer.Length, (long)address)) < 0 && Marshal.GetLastPInvokeError() == Native.EIntr)
            {
            }
        }

        return read < 0 ? (0, Marshal.GetLastPInvokeError()) : ((int)read, 0);
    }

    [LibraryImport("libc")]
    private static partial long sysconf(int name);
}
