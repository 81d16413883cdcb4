namespace DockerIR.Core.Case;

/// <summary>
/// container/processes.json: every process of the container read from the engine host's /proc while it was frozen,
/// the programs behind them (stored in container/programs.tar by content hash), and what could not be read.
/// </summary>
public sealed record ProcessesRecord(
    int FormatVersion,
    DateTimeOffset CapturedUtc,
    bool WhileFrozen,
    int InitHostPid,
    IReadOnlyList<ProcessRecord> Processes,
    IReadOnlyList<ProgramRecord> Programs,
    IReadOnlyList<MemoryDumpRecord> Memory,
    IReadOnlyList<string> Gaps,
    IReadOnlyList<ImageUser>? ImageUsers = null,
    string? NotRead = null)
{
    public const string FileName = "container/processes.json";
    public const string ProgramsTar = "container/programs.tar";
    public const string SocketsFile = "container/sockets.json";
    public const string MemoryDir = "container/memory";
    public const int CurrentFormatVersion = 1;

    /// <summary>The record of a case whose volatile state could not be read from the host at all: a gap in the evidence.</summary>
    public static ProcessesRecord Gap(DateTimeOffset now, string reason) => new(CurrentFormatVersion, now, false, 0, [], [], [], [reason]);

    /// <summary>The record of a container that had no process to read (it was not running): nothing is missing.</summary>
    public static ProcessesRecord NothingRunning(DateTimeOffset now, string reason) => new(CurrentFormatVersion, now, false, 0, [], [], [], [], null, reason);
}

/// <summary>An account of the original image's /etc/passwd (read from its layers on the host, not the container's copy).</summary>
public sealed record ImageUser(string Name, long Uid);

/// <summary>One process as the host's /proc shows it.</summary>
public sealed record ProcessRecord(
    int HostPid,
    int? ContainerPid,
    int ParentHostPid,
    string Name,
    string State,
    IReadOnlyList<long> Uids,
    IReadOnlyList<long> Gids,
    IReadOnlyList<long> Groups,
    ProcessCapabilities Capabilities,
    DateTimeOffset? StartedUtc,
    IReadOnlyList<string> Cmdline,
    IReadOnlyList<string> Environment,
    string? Cwd,
    string? Root,
    string? Exe,
    bool ExeDeleted,
    string? ProgramSha256,
    IReadOnlyDictionary<string, string> Namespaces,
    string Cgroup,
    int? Seccomp,
    bool? NoNewPrivs,
    IReadOnlyList<OpenFile> Fds,
    IReadOnlyList<string> DeletedMappings);

/// <summary>A process's capability sets, as the kernel prints them (hex masks).</summary>
public sealed record ProcessCapabilities(string? Effective, string? Permitted, string? Inheritable, string? Bounding, string? Ambient);

/// <summary>One open file descriptor and what it points at (a path, socket:[inode], pipe:[inode], anon_inode:...).</summary>
public sealed record OpenFile(int Fd, string Target)
{
    /// <summary>The socket's inode when the descriptor is a socket ("socket:[inode]"), else null.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ulong? SocketInode =>
        Target.StartsWith("socket:[", StringComparison.Ordinal) && Target.EndsWith(']')
        && ulong.TryParse(Target.AsSpan(8, Target.Length - 9), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var inode) ? inode : null;
}

/// <summary>
/// One distinct program (an executable or a mapped library) read through a process, so a deleted or replaced file
/// is still recovered: its hash, the tar member holding it, and where the processes ran it from.
/// </summary>
public sealed record ProgramRecord(
    string Sha256,
    long Size,
    string? Member,
    string Kind,
    IReadOnlyList<string> Paths,
    bool Deleted,
    IReadOnlyList<int> HostPids);

/// <summary>One process's memory dump: the raw regions file, its index, its hash, and whether the cap cut it.</summary>
public sealed record MemoryDumpRecord(int HostPid, string File, string Index, string Sha256, long Bytes, int Regions, int UnreadableRegions, bool Truncated);

/// <summary>
/// container/memory/PID.json: the index of a raw memory dump. Each region's bytes are at FileOffset in the .mem file,
/// Length long; a region the kernel would not give (or past the cap) has Length 0 and says why.
/// </summary>
public sealed record MemoryIndex(int FormatVersion, int HostPid, string File, string Sha256, long Bytes, bool Truncated, long Cap, IReadOnlyList<MemoryRegion> Regions)
{
    public const int CurrentFormatVersion = 1;
}

/// <summary>One mapping of /proc/PID/maps and where its bytes are in the dump.</summary>
public sealed record MemoryRegion(string Start, string End, string Perms, string? Path, long FileOffset, long Length, string? Problem);

/// <summary>container/sockets.json: the sockets of the container's network namespaces and the processes holding them.</summary>
public sealed record SocketsRecord(int FormatVersion, IReadOnlyList<SocketRecord> Sockets, IReadOnlyList<string> Gaps)
{
    public const int CurrentFormatVersion = 1;
}

/// <summary>One socket: protocol (tcp, tcp6, udp, udp6, unix), state, both ends, and which processes hold it.</summary>
public sealed record SocketRecord(
    string Protocol,
    string State,
    string? LocalAddress,
    int? LocalPort,
    string? RemoteAddress,
    int? RemotePort,
    string? Path,
    ulong Inode,
    string NetNamespace,
    IReadOnlyList<SocketHolder> Holders);

/// <summary>A process holding a socket open, and on which descriptor.</summary>
public sealed record SocketHolder(int HostPid, int? ContainerPid, string Name, int Fd);
