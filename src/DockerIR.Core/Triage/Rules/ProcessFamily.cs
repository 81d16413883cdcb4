using System.Net;
using System.Net.Sockets;
using DockerIR.Core.Case;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// Rules over what the container was running when it was frozen (container/processes.json and sockets.json): a
/// program whose file was deleted, one run from a temporary or hidden place, a shell talking through a socket, a
/// connection out to the internet. Pure: the records are read by the caller.
/// </summary>
public static class ProcessFamily
{
    public const string Family = FindingFamilies.Process;

    public static readonly TriageRule DeletedProgram = new("process.deleted-program", Family, Severity.High,
        "A running program whose executable file was deleted (or replaced) after it started: no 'docker diff' shows it");

    public static readonly TriageRule TempProgram = new("process.temp-program", Family, Severity.High,
        "A running program from a temporary, writable or hidden place (/tmp, /var/tmp, /dev/shm, a dot-directory, an anonymous memfd)");

    public static readonly TriageRule ReverseShell = new("process.reverse-shell", Family, Severity.High,
        "A shell whose standard input or output is a network socket: a reverse or bind shell");

    public static readonly TriageRule OutboundPublic = new("process.outbound-public", Family, Severity.Medium,
        "An established connection from the container out to a public address (not one the container listens on): a callback, a miner's pool, exfiltration");

    public static readonly TriageRule UndefinedUser = new("process.undefined-user", Family, Severity.Medium,
        "A process running as a user id the original image's /etc/passwd does not define: set by whoever started it, not by the image");

    public static IReadOnlyList<TriageRule> Rules { get; } = [DeletedProgram, TempProgram, ReverseShell, OutboundPublic, UndefinedUser];

    private static readonly string[] Shells = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox"];

    private static readonly string[] TempPrefixes = ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/memfd:"];

    public static IEnumerable<TriageFinding> From(ProcessesRecord? processes, SocketsRecord? sockets)
    {
        if (processes is null)
        {
            yield break;
        }

        var socketsByInode = (sockets?.Sockets ?? []).Where(s => s.Inode != 0).GroupBy(s => s.Inode).ToDictionary(g => g.Key, g => g.First());
        foreach (var p in processes.Processes)
        {
            var who = Who(p);
            if (p.Exe is { } exe)
            {
                if (p.ExeDeleted)
                {
                    yield return new TriageFinding(DeletedProgram.Id, Family, DeletedProgram.Severity, exe, TriageText.Clip(who),
                        $"pid {p.HostPid} runs {exe}, which no longer exists in the container; its bytes are kept in {ProcessesRecord.ProgramsTar} as {p.ProgramSha256 ?? "(not read)"}");
                }

                if (IsTempOrHidden(exe))
                {
                    yield return new TriageFinding(TempProgram.Id, Family, TempProgram.Severity, exe, TriageText.Clip(who),
                        $"pid {p.HostPid} runs a program from {exe}: packaged servers do not run from temporary or hidden places");
                }
            }

            if (processes.ImageUsers is { } users && p.Uids.Take(2).Distinct().FirstOrDefault(u => users.All(a => a.Uid != u), -1) is var uid and >= 0)
            {
                yield return new TriageFinding(UndefinedUser.Id, Family, UndefinedUser.Severity, p.Exe, TriageText.Clip(who),
                    $"pid {p.HostPid} runs as uid {uid}, which the image's /etc/passwd does not define");
            }

            if (IsShell(p))
            {
                foreach (var fd in p.Fds.Where(f => f.Fd is 0 or 1))
                {
                    if (fd.SocketInode is { } inode)
                    {
                        var peer = socketsByInode.GetValueOrDefault(inode) is { RemoteAddress: { } ra, RemotePort: { } rp } s
                            ? $"{s.Protocol} to {ra}:{rp}" : "a socket";
                        yield return new TriageFinding(ReverseShell.Id, Family, ReverseShell.Severity, p.Exe, TriageText.Clip(who),
                            $"pid {p.HostPid} is a shell whose {(fd.Fd == 0 ? "standard input" : "standard output")} is {peer}: someone types commands into it over the network");
                        break;
                    }
                }
            }
        }

        if (sockets is null)
        {
            yield break;
        }

        var listening = sockets.Sockets.Where(s => s.State == "LISTEN" && s.LocalPort is not null).Select(s => s.LocalPort!.Value).ToHashSet();
        foreach (var s in sockets.Sockets)
        {
            if (s.State == "ESTABLISHED" && s.Protocol.StartsWith("tcp", StringComparison.Ordinal) && s.LocalPort is { } lp && !listening.Contains(lp)
                && s.RemoteAddress is { } remote && IPAddress.TryParse(remote, out var address) && IsPublic(address))
            {
                var holders = s.Holders.Count == 0 ? "no process of the container" : string.Join(", ", s.Holders.Select(h => $"pid {h.HostPid} ({h.Name})"));
                yield return new TriageFinding(OutboundPublic.Id, Family, OutboundPublic.Severity, null,
                    TriageText.Clip($"{s.LocalAddress}:{lp} -> {remote}:{s.RemotePort} held by {holders}"),
                    $"the container opened a connection to the public address {remote}:{s.RemotePort}");
            }
        }
    }

    /// <summary>
    /// The remote ends of the connections triage flags (a shell's standard input or output, an outbound connection to a
    /// public address): where the attacker was, for a hunt to look for in other containers.
    /// </summary>
    public static IEnumerable<(string Address, int Port, string Rule)> Peers(ProcessesRecord? processes, SocketsRecord? sockets)
    {
        if (sockets is null)
        {
            yield break;
        }

        var shellSockets = (processes?.Processes ?? []).Where(IsShell).SelectMany(p => p.Fds.Where(f => f.Fd is 0 or 1)).Select(f => f.SocketInode).OfType<ulong>().ToHashSet();
        var listening = sockets.Sockets.Where(s => s.State == "LISTEN" && s.LocalPort is not null).Select(s => s.LocalPort!.Value).ToHashSet();
        foreach (var s in sockets.Sockets.Where(s => s.State == "ESTABLISHED" && s.Protocol.StartsWith("tcp", StringComparison.Ordinal)))
        {
            if (s.RemoteAddress is not { } remote || s.RemotePort is not { } port || !IPAddress.TryParse(remote, out var address))
            {
                continue;
            }

            if (shellSockets.Contains(s.Inode))
            {
                yield return (remote, port, ReverseShell.Id);
            }
            else if (s.LocalPort is { } lp && !listening.Contains(lp) && IsPublic(address))
            {
                yield return (remote, port, OutboundPublic.Id);
            }
        }
    }

    private static string Who(ProcessRecord p) =>
        $"pid {p.HostPid}{(p.ContainerPid is { } c ? $" ({c} in the container)" : "")} uid {(p.Uids.Count > 0 ? p.Uids[0] : -1)}: {string.Join(' ', p.Cmdline)}";

    /// <summary>A path under a temporary place, a memfd, or with a component that starts with a dot.</summary>
    public static bool IsTempOrHidden(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return TempPrefixes.Any(t => path.StartsWith(t, StringComparison.Ordinal))
            || path.Split('/', StringSplitOptions.RemoveEmptyEntries).Any(part => part.Length > 1 && part[0] == '.' && part != "..");
    }

    private static bool IsShell(ProcessRecord p)
    {
        var exeName = p.Exe is { } e ? e[(e.LastIndexOf('/') + 1)..] : "";
        var arg0 = p.Cmdline.Count > 0 ? p.Cmdline[0] : "";
        arg0 = arg0[(arg0.LastIndexOf('/') + 1)..].TrimStart('-');
        // busybox is a shell only when it runs as one.
        return (Shells.Contains(exeName) && exeName != "busybox") || (Shells.Contains(arg0) && arg0 != "busybox") || (Shells.Contains(p.Name) && p.Name != "busybox");
    }

    /// <summary>Routable on the internet: not loopback, private, link-local, carrier-grade NAT, unique-local, or unspecified.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 10 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || b[0] == 0 || b[0] >= 224);
        }

        var v6 = address.GetAddressBytes();
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC);
    }
}
