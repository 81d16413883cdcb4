using System.Text.Json.Serialization;

namespace DockerIR.Core.Engine;

/// <summary>The engine's identity and the API version this client speaks with it.</summary>
public sealed record EngineVersion(string EngineVersionText, string DaemonApiVersion, string NegotiatedApiVersion, string Os, string Arch);

/// <summary>Kind of one entry of a container's change set, as the engine's /changes reports it; written as A, C or D.</summary>
[JsonConverter(typeof(ChangeKindJsonConverter))]
public enum ChangeKind
{
    Changed = 0,
    Added = 1,
    Deleted = 2,
}

/// <summary>One path the container's writable layer added, changed or deleted.</summary>
public sealed record ChangeEntry(string Path, ChangeKind Kind);

/// <summary>One row of a container listing.</summary>
public sealed record ContainerSummary(
    string Id,
    IReadOnlyList<string> Names,
    string Image,
    string ImageId,
    string State,
    string Status,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>Run state of a container.</summary>
public sealed record ContainerState(
    string Status,
    bool Running,
    bool Paused,
    bool Restarting,
    bool Dead,
    int Pid,
    int ExitCode,
    string? StartedAt,
    string? FinishedAt,
    string? HealthStatus);

/// <summary>A health check as the image or container defines it (Test as in the API: ["CMD", ...] / ["CMD-SHELL", "..."] / ["NONE"]).</summary>
public sealed record HealthcheckSpec(
    IReadOnlyList<string> Test,
    long IntervalNanos,
    long TimeoutNanos,
    long StartPeriodNanos,
    int Retries);

/// <summary>The process-level configuration of a container (the API's Config).</summary>
public sealed record ContainerConfigInfo(
    string? Hostname,
    string? User,
    IReadOnlyList<string> Env,
    IReadOnlyList<string>? Cmd,
    IReadOnlyList<string>? Entrypoint,
    string? WorkingDir,
    string? Image,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> ExposedPorts,
    IReadOnlyList<string> Volumes,
    HealthcheckSpec? Healthcheck,
    string? StopSignal,
    bool Tty,
    bool OpenStdin);

/// <summary>A published port: container port ("80/tcp") to host IP and port.</summary>
public sealed record PortBinding(string ContainerPort, string HostIp, string HostPort);

/// <summary>A ulimit as the engine takes it.</summary>
public sealed record UlimitSpec(string Name, long Soft, long Hard);

/// <summary>A mount of a container (bind, volume, tmpfs, npipe).</summary>
public sealed record MountInfo(
    string Type,
    string? Name,
    string? Source,
    string Destination,
    bool ReadWrite,
    string? Mode,
    string? Propagation);

/// <summary>The container's host-level configuration (the API's HostConfig).</summary>
public sealed record HostConfigInfo
{
    public IReadOnlyList<string> Binds { get; init; } = [];
    public string? NetworkMode { get; init; }
    public IReadOnlyList<PortBinding> PortBindings { get; init; } = [];
    public string? RestartPolicy { get; init; }
    public int RestartMaxRetries { get; init; }
    public bool AutoRemove { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public bool Privileged { get; init; }
    public bool PublishAllPorts { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tmpfs { get; init; } = new Dictionary<string, string>();
    public string? IpcMode { get; init; }
    public string? PidMode { get; init; }
    public string? UtsMode { get; init; }
    public string? UsernsMode { get; init; }
    public string? CgroupnsMode { get; init; }
    public long Memory { get; init; }
    public long MemorySwap { get; init; }
    public long NanoCpus { get; init; }
    public long CpuShares { get; init; }
    public long CpuQuota { get; init; }
    public long CpuPeriod { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<UlimitSpec> Ulimits { get; init; } = [];
    public IReadOnlyList<string> Devices { get; init; } = [];
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];
    public IReadOnlyList<string> Dns { get; init; } = [];
    public bool? Init { get; init; }
    public long ShmSize { get; init; }
}

/// <summary>A container's attachment to one network; the addresses are those in effect while it runs.</summary>
public sealed record NetworkAttachment(string Network, string? NetworkId, IReadOnlyList<string> Aliases, string? IpAddress)
{
    /// <summary>The container's link-layer address on this network (e.g. 02:42:ac:11:00:02).</summary>
    public string? MacAddress { get; init; }

    /// <summary>The network's gateway, the host's end of a bridge network.</summary>
    public string? Gateway { get; init; }

    public string? GlobalIPv6Address { get; init; }

    public string? IPv6Gateway { get; init; }
}

/// <summary>The storage driver's view of a container's layers (overlay2: UpperDir, LowerDir, MergedDir).</summary>
public sealed record GraphDriverInfo(string Name, IReadOnlyDictionary<string, string> Data);

/// <summary>
/// A container as the engine describes it; PublishedPorts are the bindings in effect. <see cref="RawJson"/> keeps the daemon's answer byte for byte,
/// so evidence stores exactly what the engine said, not our reading of it.
/// </summary>
public sealed record ContainerInspection(
    string Id,
    string Name,
    string Created,
    string ImageId,
    ContainerState State,
    ContainerConfigInfo Config,
    HostConfigInfo HostConfig,
    IReadOnlyList<MountInfo> Mounts,
    IReadOnlyList<NetworkAttachment> Networks,
    IReadOnlyList<PortBinding> PublishedPorts,
    GraphDriverInfo GraphDriver,
    ReadOnlyMemory<byte> RawJson)
{
    /// <summary>The reference the container was created from (e.g. "web:1.2"), falling back to the image id.</summary>
    public string ImageReference => string.IsNullOrEmpty(Config.Image) ? ImageId : Config.Image;
}

/// <summary>An image as the engine describes it, with the daemon's answer kept verbatim.</summary>
public sealed record ImageInspection(
    string Id,
    IReadOnlyList<string> RepoTags,
    string Created,
    long Size,
    ContainerConfigInfo Config,
    GraphDriverInfo GraphDriver,
    ReadOnlyMemory<byte> RawJson)
{
    /// <summary>The image's layer directories on the engine's host, topmost first (overlay2: UpperDir, then LowerDir).</summary>
    public IReadOnlyList<string> LayerDirectories =>
        GraphDriver.Name != "overlay2" ? []
        : new[] { GraphDriver.Data.GetValueOrDefault("UpperDir") }
            .Concat((GraphDriver.Data.GetValueOrDefault("LowerDir") ?? "").Split(':'))
            .Where(d => !string.IsNullOrEmpty(d))
            .Select(d => d!)
            .ToList();
}

/// <summary>One row of an image listing.</summary>
public sealed record ImageSummary(string Id, IReadOnlyList<string> RepoTags, IReadOnlyDictionary<string, string> Labels);

/// <summary>The process table of a running container (ps inside the container's pid namespace, read by the daemon).</summary>
public sealed record ProcessList(IReadOnlyList<string> Titles, IReadOnlyList<IReadOnlyList<string>> Processes, ReadOnlyMemory<byte> RawJson);

/// <summary>
/// Which log lines to read and how many bytes at most to keep. <see cref="Tty"/> is the container's Config.Tty:
/// without a TTY the engine multiplexes stdout and stderr in frames.
/// </summary>
public sealed record LogRequest(int TailLines, long MaxBytes, bool Tty, bool Timestamps = true);

/// <summary>What a bounded log read produced.</summary>
public sealed record LogCapture(long BytesWritten, bool Truncated);

/// <summary>What to commit and how to label it.</summary>
public sealed record CommitRequest(
    string ContainerId,
    string Repository,
    string Tag,
    string Comment,
    string Author,
    bool Pause,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>What /containers/{id}/archive says of a path (the X-Docker-Container-Path-Stat header).</summary>
/// <remarks><see cref="Mode"/> carries Go FileMode bits, not Unix mode bits.</remarks>
public sealed record PathStat(string Name, long Size, uint Mode, string Mtime, string LinkTarget);

/// <summary>A streamed tar of one path of a container, with the stat of that path.</summary>
public sealed class ArchiveContent(PathStat stat, Stream content) : IAsyncDisposable, IDisposable
{
    public PathStat Stat { get; } = stat;
    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}

/// <summary>How a root filesystem tar becomes an image (the engine's import).</summary>
public sealed record ImportRequest(string Repository, string Tag, IReadOnlyList<string> Changes, string? Message = null);

/// <summary>What to create: an image and its process and host configuration.</summary>
public sealed record ContainerSpec
{
    public required string Image { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public string? Hostname { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
    public HealthcheckSpec? Healthcheck { get; init; }
    public string? StopSignal { get; init; }
    public bool Tty { get; init; }
    public HostConfigInfo HostConfig { get; init; } = new();
    /// <summary>Networks to attach at creation beyond HostConfig.NetworkMode, with their aliases.</summary>
    public IReadOnlyList<NetworkAttachment> Networks { get; init; } = [];
}

/// <summary>Filters for a container listing.</summary>
public sealed record ContainerListFilter(bool All = true, IReadOnlyList<string>? Labels = null, string? Name = null);

/// <summary>
/// A Swarm service as inspected: its id, name and version (an update must name it), its spec as the engine's own
/// JSON (kept whole, so an update changes only what it means to), and the state of its last update.
/// </summary>
public sealed record ServiceInspection(
    string Id,
    string Name,
    ulong Version,
    string SpecJson,
    string? UpdateState,
    string? UpdateMessage,
    ReadOnlyMemory<byte> RawJson);

/// <summary>One task of a Swarm service: where it runs, its state and its container (when it has one yet).</summary>
public sealed record ServiceTask(string Id, string NodeId, string DesiredState, string State, string? ContainerId);
