using System.Globalization;
using System.Net;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Formats;
using DockerIR.Core.Platform;
using Microsoft.Win32.SafeHandles;

namespace DockerIR.Core.Snapshot;

/// <summary>Whose memory a snapshot dumps: none, every process of the container, or the host pids named.</summary>
public sealed record MemorySelection(bool All, IReadOnlyList<int> HostPids, long Cap)
{
    /// <summary>What a snapshot dumps at most when no cap is given: a server's heap fits, a runaway does not fill the disk.</summary>
    public const long DefaultCap = 2L << 30;

    public static MemorySelection None { get; } = new(false, [], DefaultCap);

    public bool Any => All || HostPids.Count > 0;

    public bool Wants(int hostPid) => All || HostPids.Contains(hostPid);

    /// <summary>"all", or host pids separated by commas.</summary>
    public static MemorySelection Parse(string? text, long cap)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None with { Cap = cap };
        }

        if (text.Trim() == "all")
        {
            return new MemorySelection(true, [], cap);
        }

        var pids = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                throw new DockerIRException(FailureKind.Usage, $"--memory takes 'all' or host pids separated by commas (as 'docker top' shows them), not '{SafeText.Escape(part)}'");
            }

            pids.Add(pid);
        }

        return new MemorySelection(false, pids, cap);
    }
}

/// <summary>
/// Reads a frozen container's volatile state from the engine host's /proc, never entering the container: every
/// process of its cgroup with the program behind it (read through /proc/PID/exe and map_files, so a deleted or
/// replaced file is recovered), its open files, the sockets of its network namespaces with the processes holding
/// them, and on request its memory. What cannot be read is a gap with its reason.
/// </summary>
public sealed class HostVolatileCapture(TimeProvider clock)
{
    /// <summary>A container with more processes than this is recorded up to it, with a gap (a fork bomb must not stall the snapshot).</summary>
    public const int MaxProcesses = 4096;

    /// <summary>Per process: more descriptors than this are counted, not listed.</summary>
    public const int MaxFds = 4096;

    /// <summary>A program larger than this is hashed and named but not stored.</summary>
    public const long MaxProgramBytes = 512L << 20;

    private const int MaxArgsBytes = 256 << 10;

    /// <summary>Why the host's /proc cannot show this container's processes, or null when it can (the engine is local and readable).</summary>
    public static string? Unavailable(ContainerInspection inspect)
    {
        ArgumentNullException.ThrowIfNull(inspect);
        if (!inspect.State.Running || inspect.State.Pid <= 0)
        {
            return $"the container is {inspect.State.Status}: no process to read";
        }

        var cgroup = ProcFs.ReadText(PidPath(inspect.State.Pid, "cgroup"));
        if (cgroup is null)
        {
            return $"this host's /proc has no readable pid {inspect.State.Pid}: dockerir is not on the engine's host, or lacks the rights to read it (run it there as root)";
        }

        return cgroup.Contains(inspect.Id, StringComparison.Ordinal) ? null
            : $"pid {inspect.State.Pid} on this host is not the container's (its cgroup does not name {EngineIds.Abbreviate(inspect.Id)}): the engine is not local";
    }

    /// <summary>Reads everything and writes processes.json, programs.tar, sockets.json and the memory dumps into the case.</summary>
    public async Task<(ProcessesRecord Processes, SocketsRecord Sockets)> CaptureAsync(CaseDirectory dir, ContainerInspection inspect, bool frozen,
        MemorySelection memory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(inspect);
        ArgumentNullException.ThrowIfNull(memory);
        var now = clock.GetUtcNow();
        var gaps = new List<string>();
        var pids = ContainerPids(inspect.State.Pid, gaps);
        var boot = ProcFs.BootTime();

        var processes = new List<ProcessRecord>();
        var programs = new Dictionary<(ulong Dev, ulong Ino), ProgramSource>();
        foreach (var pid in pids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ReadProcess(pid, boot, programs, gaps) is { } read)
            {
                processes.Add(read);
            }
        }

        var stored = await StorePrograms(dir, programs, gaps, cancellationToken);
        processes = processes.Select(p => p with { ProgramSha256 = stored.Exe.GetValueOrDefault(p.HostPid) }).ToList();

        var sockets = ReadSockets(processes, gaps);
        var dumps = new List<MemoryDumpRecord>();
        if (memory.Any)
        {
            dumps = await DumpMemoryAsync(dir, processes, memory, gaps, cancellationToken);
        }

        var record = new ProcessesRecord(ProcessesRecord.CurrentFormatVersion, now, frozen, inspect.State.Pid, processes, stored.Records, dumps, gaps,
            ReadImageUsers(inspect.GraphDriver));
        var socketsRecord = new SocketsRecord(SocketsRecord.CurrentFormatVersion, sockets, gaps.Where(g => g.StartsWith("sockets", StringComparison.Ordinal)).ToList());
        await dir.WriteJsonAsync(ProcessesRecord.SocketsFile, socketsRecord, CaseJson.Indented.SocketsRecord, cancellationToken);
        await dir.WriteJsonAsync(ProcessesRecord.FileName, record, CaseJson.Indented.ProcessesRecord, cancellationToken);
        return (record, socketsRecord);
    }

    /// <summary>
    /// The accounts of the original image's /etc/passwd, read from the container's lower layers on the host (topmost
    /// first, as overlayfs resolves them) so an account the attacker added to the container's copy does not count;
    /// null when the storage is not overlay2, the layers are unreadable, or the image has no /etc/passwd.
    /// Every component is opened without following links: an image is as untrusted as a container.
    /// </summary>
    internal static IReadOnlyList<ImageUser>? ReadImageUsers(GraphDriverInfo graphDriver)
    {
        if (graphDriver.Name != "overlay2" || graphDriver.Data.GetValueOrDefault("LowerDir") is not { Length: > 0 } lower)
        {
            return null;
        }

        try
        {
            foreach (var layer in lower.Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                using var etc = Native.OpenDirectory(layer + "/etc");
                if (etc is null)
                {
                    // Absent here: look lower. Anything else in its place (a whiteout, a link) hides the lower ones.
                    if (Native.LStat(layer + "/etc") is null)
                    {
                        continue;
                    }

                    return null;
                }

                switch (Native.LStatAt(etc, "passwd"))
                {
                    case { Type: HostStat.Regular, Size: <= MaxPasswdBytes }:
                        using (var file = Native.OpenForEvidenceAt(etc, "passwd", layer + "/etc/passwd"))
                        using (var text = new StreamReader(file))
                        {
                            return ParsePasswd(text.ReadToEnd());
                        }

                    case null when Native.GetXattr(layer + "/etc", "trusted.overlay.opaque") is not [(byte)'y']:
                        continue;
                    default:
                        return null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private const long MaxPasswdBytes = 4 << 20;

    /// <summary>name:password:uid:... lines; a line without a numeric uid is skipped.</summary>
    internal static IReadOnlyList<ImageUser> ParsePasswd(string text) =>
        text.Split('\n').Select(line => line.Split(':')).Where(f => f.Length >= 3 && f[0].Length > 0)
            .Select(f => long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? new ImageUser(f[0], uid) : null)
            .OfType<ImageUser>().ToList();

    private static string PidPath(int pid, string name) => $"{ProcFs.Root}/{pid.ToString(CultureInfo.InvariantCulture)}/{name}";

    /// <summary>Every process whose cgroups are exactly the container's init's (a 'docker exec' joins them too), init first.</summary>
    private static List<int> ContainerPids(int initPid, List<string> gaps)
    {
        var want = ProcFs.ReadText(PidPath(initPid, "cgroup"));
        var pids = new List<int> { initPid };
        foreach (var pid in ProcFs.Pids())
        {
            if (pid != initPid && ProcFs.ReadText(PidPath(pid, "cgroup")) == want)
            {
                if (pids.Count == MaxProcesses)
                {
                    gaps.Add($"processes: more than {MaxProcesses} in the container; the rest are not recorded");
                    break;
                }

                pids.Add(pid);
            }
        }

        pids.Sort(1, pids.Count - 1, null);
        return pids;
    }

    private static ProcessRecord? ReadProcess(int pid, DateTimeOffset? boot, Dictionary<(ulong, ulong), ProgramSource> programs, List<string> gaps)
    {
        if (ProcFs.ReadText(PidPath(pid, "status")) is not { } statusText)
        {
            gaps.Add($"processes: pid {pid} ended or could not be read");
            return null;
        }

        var status = ProcFs.ParseStatus(statusText);
        var stat = ProcFs.ReadText(PidPath(pid, "stat")) is { } s ? ProcFs.ParseStat(s) : null;
        var nsPids = ProcFs.Numbers(status, "NSpid");
        var started = stat is { } st && boot is { } b ? b + TimeSpan.FromSeconds((double)st.StartTicks / ProcFs.ClockTicks) : (DateTimeOffset?)null;
        var cmdline = ProcFs.ReadNulList(PidPath(pid, "cmdline"), MaxArgsBytes, out var cmdCut);
        var environ = ProcFs.ReadNulList(PidPath(pid, "environ"), MaxArgsBytes, out var envCut);
        if (cmdCut || envCut)
        {
            gaps.Add($"processes: pid {pid}'s {(cmdCut ? "command line" : "environment")} is longer than {MaxArgsBytes} bytes and was cut");
        }

        var namespaces = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in ProcFs.List(PidPath(pid, "ns")))
        {
            if (ProcFs.ReadLink(PidPath(pid, "ns/" + ns)) is { } link)
            {
                namespaces[ns] = link;
            }
        }

        var fds = new List<OpenFile>();
        var fdNames = ProcFs.List(PidPath(pid, "fd"));
        foreach (var name in fdNames.Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) ? fd : -1).Where(fd => fd >= 0).Order().Take(MaxFds))
        {
            if (ProcFs.ReadLink(PidPath(pid, "fd/" + name.ToString(CultureInfo.InvariantCulture))) is { } target)
            {
                fds.Add(new OpenFile(name, target));
            }
        }

        if (fdNames.Count > MaxFds)
        {
            gaps.Add($"processes: pid {pid} holds {fdNames.Count} descriptors; the first {MaxFds} are recorded");
        }

        var exeLink = ProcFs.ReadLink(PidPath(pid, "exe"));
        var (exe, exeDeleted) = SplitDeleted(exeLink);
        if (exeLink is not null)
        {
            exeDeleted |= AddProgram(programs, PidPath(pid, "exe"), pid, exe!, "exe", gaps) is { Deleted: true };
        }

        var deletedMaps = new List<string>();
        foreach (var range in ProcFs.List(PidPath(pid, "map_files")))
        {
            var (path, deleted) = SplitDeleted(ProcFs.ReadLink(PidPath(pid, "map_files/" + range)));
            if (deleted && path is not null && path != exe)
            {
                if (!deletedMaps.Contains(path))
                {
                    deletedMaps.Add(path);
                }

                AddProgram(programs, PidPath(pid, "map_files/" + range), pid, path, "mapping", gaps);
            }
        }

        return new ProcessRecord(
            pid,
            nsPids.Count > 1 ? (int)nsPids[^1] : null,
            stat?.ParentPid ?? (int)(ProcFs.Numbers(status, "PPid") is [var pp, ..] ? pp : 0),
            status.GetValueOrDefault("Name") ?? "",
            status.GetValueOrDefault("State") ?? "",
            ProcFs.Numbers(status, "Uid"),
            ProcFs.Numbers(status, "Gid"),
            ProcFs.Numbers(status, "Groups"),
            new ProcessCapabilities(status.GetValueOrDefault("CapEff"), status.GetValueOrDefault("CapPrm"), status.GetValueOrDefault("CapInh"),
                status.GetValueOrDefault("CapBnd"), status.GetValueOrDefault("CapAmb")),
            started,
            cmdline,
            environ,
            ProcFs.ReadLink(PidPath(pid, "cwd")),
            ProcFs.ReadLink(PidPath(pid, "root")),
            exe,
            exeDeleted,
            null,
            namespaces,
            ProcFs.ReadText(PidPath(pid, "cgroup"))?.TrimEnd('\n') ?? "",
            int.TryParse(status.GetValueOrDefault("Seccomp"), NumberStyles.None, CultureInfo.InvariantCulture, out var sc) ? sc : null,
            status.GetValueOrDefault("NoNewPrivs") is { } nnp ? nnp == "1" : null,
            fds,
            deletedMaps);
    }

    /// <summary>A /proc link's path without the kernel's " (deleted)" mark, and whether it had it.</summary>
    internal static (string? Path, bool Deleted) SplitDeleted(string? link)
    {
        const string Mark = " (deleted)";
        return link is not null && link.EndsWith(Mark, StringComparison.Ordinal) ? (link[..^Mark.Length], true) : (link, false);
    }

    /// <summary>An open program: the magic link it is read through, what it is, and who ran it from where.</summary>
    private sealed class ProgramSource(string procPath, string kind, long size, bool deleted)
    {
        public string ProcPath { get; } = procPath;
        public string Kind { get; } = kind;
        public long Size { get; } = size;
        public bool Deleted { get; } = deleted;
        public SortedSet<string> Paths { get; } = new(StringComparer.Ordinal);
        public SortedSet<int> Pids { get; } = [];
    }

    /// <summary>Notes the program behind a /proc link (deduplicated by device and inode); its nlink says whether the file still has a name.</summary>
    private static ProgramSource? AddProgram(Dictionary<(ulong, ulong), ProgramSource> programs, string procPath, int pid, string path, string kind, List<string> gaps)
    {
        HostStat stat;
        try
        {
            using var handle = File.OpenHandle(procPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stat = Native.FStat(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            gaps.Add($"programs: pid {pid}'s {kind} {SafeText.Escape(path)} could not be opened through /proc: {e.Message}");
            return null;
        }

        if (stat.Type != HostStat.Regular)
        {
            return null;
        }

        if (!programs.TryGetValue((stat.Dev, stat.Ino), out var source))
        {
            source = new ProgramSource(procPath, kind, stat.Size, stat.NLink == 0);
            programs[(stat.Dev, stat.Ino)] = source;
        }

        source.Paths.Add(path);
        source.Pids.Add(pid);
        return source;
    }

    /// <summary>Hashes every program and stores it in programs.tar, named by its SHA-256 (each once, whatever ran it).</summary>
    private static async Task<(IReadOnlyList<ProgramRecord> Records, Dictionary<int, string> Exe)> StorePrograms(CaseDirectory dir,
        Dictionary<(ulong, ulong), ProgramSource> programs, List<string> gaps, CancellationToken cancellationToken)
    {
        var records = new List<ProgramRecord>();
        var exe = new Dictionary<int, string>();
        await dir.WriteAtomicAsync(ProcessesRecord.ProgramsTar, async (output, ct) =>
        {
            await using var tar = new TarStreamWriter(output);
            var members = new HashSet<string>(StringComparer.Ordinal);
            foreach (var source in programs.Values)
            {
                try
                {
                    using var handle = File.OpenHandle(source.ProcPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    var sha = await HashAsync(handle, ct);
                    string? member = null;
                    if (source.Size > MaxProgramBytes)
                    {
                        gaps.Add($"programs: {SafeText.Escape(source.Paths.First())} is {source.Size} bytes, over {MaxProgramBytes}: hashed, not stored");
                    }
                    else if (members.Add(sha))
                    {
                        await using var content = new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 0);
                        var outcome = await tar.WriteAsync(new TarMember { Name = sha, Type = TarItemType.File, Mode = 0x1ED, Size = source.Size }, content, ct);
                        if (outcome.SourceShorter || outcome.SourceLonger)
                        {
                            gaps.Add($"programs: {SafeText.Escape(source.Paths.First())} changed size while it was read");
                        }

                        member = sha;
                    }
                    else
                    {
                        member = sha;
                    }

                    records.Add(new ProgramRecord(sha, source.Size, member, source.Kind, [.. source.Paths], source.Deleted, [.. source.Pids]));
                    if (source.Kind == "exe")
                    {
                        foreach (var pid in source.Pids)
                        {
                            exe[pid] = sha;
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    gaps.Add($"programs: {SafeText.Escape(source.Paths.First())} could not be read through /proc: {e.Message}");
                }
            }

            await tar.FinishAsync(ct);
        }, cancellationToken);
        return (records, exe);
    }

    private static async Task<string> HashAsync(SafeFileHandle handle, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 0);
        return (await HashingStream.HashAsync(stream, cancellationToken)).Sha256;
    }

    /// <summary>The sockets of each network namespace the processes are in, with the processes holding each.</summary>
    private static List<SocketRecord> ReadSockets(List<ProcessRecord> processes, List<string> gaps)
    {
        var holders = new Dictionary<ulong, List<SocketHolder>>();
        foreach (var p in processes)
        {
            foreach (var fd in p.Fds)
            {
                if (fd.SocketInode is { } inode)
                {
                    (holders.TryGetValue(inode, out var list) ? list : holders[inode] = []).Add(new SocketHolder(p.HostPid, p.ContainerPid, p.Name, fd.Fd));
                }
            }
        }

        var sockets = new List<SocketRecord>();
        foreach (var group in processes.GroupBy(p => p.Namespaces.GetValueOrDefault("net") ?? ""))
        {
            var pid = group.First().HostPid;
            foreach (var protocol in new[] { "tcp", "tcp6", "udp", "udp6" })
            {
                if (ProcFs.ReadText(PidPath(pid, "net/" + protocol), 16 << 20) is not { } table)
                {
                    gaps.Add($"sockets: {protocol} table of {group.Key} could not be read");
                    continue;
                }

                foreach (var s in ProcFs.ParseInet(table, protocol))
                {
                    var listening = s.State is "LISTEN" or "UNCONN";
                    sockets.Add(new SocketRecord(protocol, s.State, s.Local.ToString(), s.LocalPort,
                        listening && (s.Remote.Equals(IPAddress.Any) || s.Remote.Equals(IPAddress.IPv6Any)) ? null : s.Remote.ToString(),
                        listening && s.RemotePort == 0 ? null : s.RemotePort,
                        null, s.Inode, group.Key, holders.GetValueOrDefault(s.Inode) ?? []));
                }
            }

            if (ProcFs.ReadText(PidPath(pid, "net/unix"), 16 << 20) is { } unix)
            {
                foreach (var s in ProcFs.ParseUnix(unix).Where(u => holders.ContainsKey(u.Inode) || u.Path is not null))
                {
                    // The table is the namespace's: only sockets a container process holds, or bound to a name, are kept.
                    if (!holders.ContainsKey(s.Inode) && s.State != "UNCONNECTED")
                    {
                        continue;
                    }

                    sockets.Add(new SocketRecord("unix", $"{s.State} {s.Type}", null, null, null, null, s.Path, s.Inode, group.Key, holders.GetValueOrDefault(s.Inode) ?? []));
                }
            }
            else
            {
                gaps.Add($"sockets: unix table of {group.Key} could not be read");
            }
        }

        return sockets;
    }

    /// <summary>Dumps the readable mappings of the chosen processes as raw regions plus an index, up to the cap in all.</summary>
    private static async Task<List<MemoryDumpRecord>> DumpMemoryAsync(CaseDirectory dir, List<ProcessRecord> processes, MemorySelection memory,
        List<string> gaps, CancellationToken cancellationToken)
    {
        foreach (var pid in memory.HostPids.Where(p => processes.All(r => r.HostPid != p)))
        {
            gaps.Add($"memory: pid {pid} is not a process of the container (give host pids, as 'docker top' and processes.json show them)");
        }

        var dumps = new List<MemoryDumpRecord>();
        var left = memory.Cap;
        foreach (var process in processes.Where(p => memory.Wants(p.HostPid)))
        {
            var pid = process.HostPid;
            var maps = ProcFs.ReadText(PidPath(pid, "maps"), 64 << 20);
            using var mem = ProcFs.OpenMemory(pid);
            if (maps is null || mem is null)
            {
                gaps.Add($"memory: pid {pid}'s memory could not be opened");
                continue;
            }

            var file = $"{ProcessesRecord.MemoryDir}/{pid.ToString(CultureInfo.InvariantCulture)}.mem";
            var indexFile = $"{ProcessesRecord.MemoryDir}/{pid.ToString(CultureInfo.InvariantCulture)}.json";
            var regions = new List<MemoryRegion>();
            var truncated = false;
            var (sha, bytes) = await dir.WriteAtomicAsync(file, async (output, ct) =>
            {
                await using var hashing = new HashingWriteStream(output);
                var buffer = new byte[1 << 20];
                foreach (var map in ProcFs.ParseMaps(maps))
                {
                    ct.ThrowIfCancellationRequested();
                    var region = new MemoryRegion($"0x{map.Start:x}", $"0x{map.End:x}", map.Perms, map.Path, hashing.BytesWritten, 0, null);
                    if (map.Perms.Length == 0 || map.Perms[0] != 'r' || map.Path is "[vvar]" or "[vsyscall]" or "[vvar_vclock]")
                    {
                        regions.Add(region with { Problem = "not readable" });
                        continue;
                    }

                    if (left <= 0)
                    {
                        truncated = true;
                        regions.Add(region with { Problem = "over the cap" });
                        continue;
                    }

                    long length = 0;
                    string? problem = null;
                    var address = map.Start;
                    while (address < map.End)
                    {
                        var want = (int)Math.Min((ulong)buffer.Length, map.End - address);
                        if (want > left)
                        {
                            want = (int)left;
                            truncated = true;
                            problem = "cut at the cap";
                        }

                        if (want == 0)
                        {
                            break;
                        }

                        var (read, errno) = ProcFs.ReadMemory(mem, buffer.AsSpan(0, want), address);
                        if (read <= 0)
                        {
                            problem = $"the kernel stopped the read at +0x{address - map.Start:x} (errno {errno})";
                            break;
                        }

                        await hashing.WriteAsync(buffer.AsMemory(0, read), ct);
                        length += read;
                        left -= read;
                        address += (ulong)read;
                    }

                    regions.Add(region with { Length = length, Problem = problem });
                }

                await hashing.FlushAsync(ct);
                return (hashing.HashHex(), hashing.BytesWritten);
            }, cancellationToken);

            if (truncated)
            {
                gaps.Add($"memory: pid {pid}'s dump was cut at the cap of {memory.Cap} bytes (raise it with --memory-max)");
            }

            var index = new MemoryIndex(MemoryIndex.CurrentFormatVersion, pid, Path.GetFileName(file), sha, bytes, truncated, memory.Cap, regions);
            await dir.WriteJsonAsync(indexFile, index, CaseJson.Indented.MemoryIndex, cancellationToken);
            dumps.Add(new MemoryDumpRecord(pid, file, indexFile, sha, bytes, regions.Count, regions.Count(r => r.Problem is not null && r.Length == 0), truncated));
        }

        return dumps;
    }
}
