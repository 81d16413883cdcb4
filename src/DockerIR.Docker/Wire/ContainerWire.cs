using System.Text.Json.Serialization;

namespace DockerIR.Docker.Wire;

// Wire DTOs of the Engine API, named as the API names them. They never leave this assembly.

internal sealed class ContainerInspectResponse
{
    public string Id { get; set; } = "";
    public string? Created { get; set; }
    public string? Path { get; set; }
    public List<string>? Args { get; set; }
    public ContainerStateWire? State { get; set; }
    public string Image { get; set; } = "";
    public string Name { get; set; } = "";
    public int RestartCount { get; set; }
    public string? Driver { get; set; }
    public HostConfigWire? HostConfig { get; set; }
    public GraphDriverWire? GraphDriver { get; set; }
    public List<MountPointWire>? Mounts { get; set; }
    public ContainerConfigWire? Config { get; set; }
    public NetworkSettingsWire? NetworkSettings { get; set; }
}

internal sealed class ContainerStateWire
{
    public string? Status { get; set; }
    public bool Running { get; set; }
    public bool Paused { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public bool Dead { get; set; }
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string? Error { get; set; }
    public string? StartedAt { get; set; }
    public string? FinishedAt { get; set; }
    public HealthWire? Health { get; set; }
}

internal sealed class HealthWire
{
    public string? Status { get; set; }
    public int FailingStreak { get; set; }
}

internal sealed class GraphDriverWire
{
    public string? Name { get; set; }
    public Dictionary<string, string>? Data { get; set; }
}

internal sealed class MountPointWire
{
    public string? Type { get; set; }
    public string? Name { get; set; }
    public string? Source { get; set; }
    public string? Destination { get; set; }
    public string? Driver { get; set; }
    public string? Mode { get; set; }
    public bool RW { get; set; }
    public string? Propagation { get; set; }
}

internal sealed class HealthConfigWire
{
    public List<string>? Test { get; set; }
    public long Interval { get; set; }
    public long Timeout { get; set; }
    public long StartPeriod { get; set; }
    public int Retries { get; set; }
}

/// <summary>The API's container Config; also the body of create and commit.</summary>
internal class ContainerConfigWire
{
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public string? User { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool StdinOnce { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public HealthConfigWire? Healthcheck { get; set; }
    public string? Image { get; set; }
    public Dictionary<string, EmptyObject>? Volumes { get; set; }
    public string? WorkingDir { get; set; }
    public List<string>? Entrypoint { get; set; }
    public bool? NetworkDisabled { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }
}

/// <summary>An empty JSON object, as the API uses for set members ("80/tcp": {}).</summary>
internal sealed class EmptyObject
{
}

internal sealed class RestartPolicyWire
{
    public string? Name { get; set; }
    public int MaximumRetryCount { get; set; }
}

internal sealed class PortBindingWire
{
    public string? HostIp { get; set; }
    public string? HostPort { get; set; }
}

internal sealed class UlimitWire
{
    public string Name { get; set; } = "";
    public long Soft { get; set; }
    public long Hard { get; set; }
}

internal sealed class DeviceMappingWire
{
    public string? PathOnHost { get; set; }
    public string? PathInContainer { get; set; }
    public string? CgroupPermissions { get; set; }
}

internal sealed class HostConfigWire
{
    public List<string>? Binds { get; set; }
    public string? NetworkMode { get; set; }
    public Dictionary<string, List<PortBindingWire>?>? PortBindings { get; set; }
    public RestartPolicyWire? RestartPolicy { get; set; }
    public bool AutoRemove { get; set; }
    public List<string>? CapAdd { get; set; }
    public List<string>? CapDrop { get; set; }
    public List<string>? Dns { get; set; }
    public List<string>? ExtraHosts { get; set; }
    public string? IpcMode { get; set; }
    public string? PidMode { get; set; }
    public string? UTSMode { get; set; }
    public string? UsernsMode { get; set; }
    public string? CgroupnsMode { get; set; }
    public bool Privileged { get; set; }
    public bool PublishAllPorts { get; set; }
    public bool ReadonlyRootfs { get; set; }
    public List<string>? SecurityOpt { get; set; }
    public Dictionary<string, string>? Tmpfs { get; set; }
    public long ShmSize { get; set; }
    public long Memory { get; set; }
    public long MemorySwap { get; set; }
    public long NanoCpus { get; set; }
    public long CpuShares { get; set; }
    public long CpuQuota { get; set; }
    public long CpuPeriod { get; set; }
    public long? PidsLimit { get; set; }
    public List<UlimitWire>? Ulimits { get; set; }
    public List<DeviceMappingWire>? Devices { get; set; }
    public bool? Init { get; set; }
}

internal sealed class EndpointSettingsWire
{
    public List<string>? Aliases { get; set; }
    public string? NetworkID { get; set; }
    public string? EndpointID { get; set; }
    public string? IPAddress { get; set; }
    public string? Gateway { get; set; }
    public string? MacAddress { get; set; }
    public string? GlobalIPv6Address { get; set; }
    public string? IPv6Gateway { get; set; }
}

internal sealed class NetworkSettingsWire
{
    public Dictionary<string, List<PortBindingWire>?>? Ports { get; set; }
    public Dictionary<string, EndpointSettingsWire>? Networks { get; set; }
}

internal sealed class ContainerCreateRequest : ContainerConfigWire
{
    public HostConfigWire? HostConfig { get; set; }
    public NetworkingConfigWire? NetworkingConfig { get; set; }
}

internal sealed class NetworkingConfigWire
{
    public Dictionary<string, EndpointSettingsWire>? EndpointsConfig { get; set; }
}

internal sealed class IdResponse
{
    public string Id { get; set; } = "";
    public List<string>? Warnings { get; set; }
}

internal sealed class ContainerSummaryWire
{
    public string Id { get; set; } = "";
    public List<string>? Names { get; set; }
    public string? Image { get; set; }
    public string? ImageID { get; set; }
    public string? State { get; set; }
    public string? Status { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

internal sealed class ChangeWire
{
    public string Path { get; set; } = "";
    public int Kind { get; set; }
}

internal sealed class TopResponse
{
    public List<string>? Titles { get; set; }
    public List<List<string>>? Processes { get; set; }
}

internal sealed class WaitResponse
{
    public long StatusCode { get; set; }
    public WaitErrorWire? Error { get; set; }
}

internal sealed class WaitErrorWire
{
    public string? Message { get; set; }
}

internal sealed class PathStatWire
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("size")]
    public long Size { get; set; }

    [JsonPropertyName("mode")]
    public uint Mode { get; set; }

    [JsonPropertyName("mtime")]
    public string? Mtime { get; set; }

    [JsonPropertyName("linkTarget")]
    public string? LinkTarget { get; set; }
}

internal sealed class NetworkConnectRequest
{
    public string Container { get; set; } = "";
    public EndpointSettingsWire? EndpointConfig { get; set; }
}

internal sealed class NetworkDisconnectRequest
{
    public string Container { get; set; } = "";
    public bool Force { get; set; }
}
