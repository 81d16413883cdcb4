using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace DockerIR.Core.Platform;

/// <summary>
/// The host's neighbour table (ARP for IPv4, NDP for IPv6), written through rtnetlink. Used for one thing: to tell the
/// host the link-layer address of a container that has just started, so connections that reached its address before
/// its interface was up (a client polling the published port during the relaunch) are sent at once instead of waiting
/// for the kernel's next solicitation (retrans_time_ms, 1 s by default). The entry is the one the kernel would learn a
/// moment later; it is written as STALE, so the kernel confirms it on use as it does every learned entry.
/// </summary>
internal static partial class NeighbourTable
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const ushort RtmNewNeigh = 28;
    private const ushort NlmsgError = 2;
    private const ushort NlmFRequest = 0x1, NlmFAck = 0x4, NlmFReplace = 0x100, NlmFCreate = 0x400;
    private const ushort NudStale = 0x04;
    private const ushort NdaDst = 1, NdaLladdr = 2;
    private const int MsgDontwait = 0x40;

    /// <summary>
    /// The host's interface that holds <paramref name="gateway"/> (a container's gateway is the host's end of its
    /// network: docker0, br-…), or null when this process's network namespace has none (the tool runs elsewhere).
    /// </summary>
    public static (string Name, int Index)? InterfaceHolding(IPAddress gateway)
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(gateway)))
            {
                var index = if_nametoindex(nic.Name);
                return index == 0 ? null : (nic.Name, (int)index);
            }
        }

        return null;
    }

    /// <summary>
    /// Sets (creates or replaces) the entry of <paramref name="address"/> on interface <paramref name="interfaceIndex"/>
    /// to <paramref name="linkAddress"/>, state STALE. Throws <see cref="IOException"/> with the kernel's reason (EPERM
    /// without CAP_NET_ADMIN).
    /// </summary>
    public static unsafe void Learn(int interfaceIndex, IPAddress address, ReadOnlySpan<byte> linkAddress)
    {
        ArgumentNullException.ThrowIfNull(address);
        var dst = address.GetAddressBytes();
        var family = address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
        // nlmsghdr (16) + ndmsg (12) + rtattr NDA_DST (4 + address, padded) + rtattr NDA_LLADDR (4 + lladdr, padded)
        var dstAttr = Align(4 + dst.Length);
        var llAttr = Align(4 + linkAddress.Length);
        var message = new byte[16 + 12 + dstAttr + llAttr];
        var span = message.AsSpan();
        MemoryMarshal.Write(span, (uint)message.Length);
        MemoryMarshal.Write(span[4..], RtmNewNeigh);
        MemoryMarshal.Write(span[6..], (ushort)(NlmFRequest | NlmFAck | NlmFReplace | NlmFCreate));
        MemoryMarshal.Write(span[8..], 1u);
        span[16] = family;
        MemoryMarshal.Write(span[20..], interfaceIndex);
        MemoryMarshal.Write(span[24..], NudStale);
        var at = 28;
        WriteAttribute(span[at..], NdaDst, dst);
        at += dstAttr;
        WriteAttribute(span[at..], NdaLladdr, linkAddress);

        var fd = socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            throw new IOException($"netlink socket: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            fixed (byte* p = message)
            {
                if (send(fd, p, message.Length, 0) != message.Length)
                {
                    throw new IOException($"netlink send: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
            }

            // The kernel queues its acknowledgement before send returns: an NLMSG_ERROR whose code is 0 or -errno.
            var reply = new byte[256];
            nint got;
            fixed (byte* p = reply)
            {
                got = recv(fd, p, reply.Length, MsgDontwait);
            }

            if (got < 20 || MemoryMarshal.Read<ushort>(reply.AsSpan(4)) != NlmsgError)
            {
                throw new IOException("netlink: no acknowledgement from the kernel");
            }

            var error = MemoryMarshal.Read<int>(reply.AsSpan(16));
            if (error != 0)
            {
                throw new IOException(Marshal.GetPInvokeErrorMessage(-error));
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    private static int Align(int length) => (length + 3) & ~3;

    private static void WriteAttribute(Span<byte> into, ushort type, ReadOnlySpan<byte> value)
    {
        MemoryMarshal.Write(into, (ushort)(4 + value.Length));
        MemoryMarshal.Write(into[2..], type);
        value.CopyTo(into[4..]);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint if_nametoindex(string name);
}
