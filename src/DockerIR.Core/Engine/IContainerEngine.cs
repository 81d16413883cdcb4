namespace DockerIR.Core.Engine;

/// <summary>
/// The port through which every workflow talks to a container engine. Task-shaped and engine-neutral:
/// it returns domain records, never wire DTOs, and throws only <see cref="DockerIRException"/>s. It is the sum of
/// role ports shaped like the engine's own resources, so a test fakes the roles a workflow uses and nothing else.
/// </summary>
public interface IContainerEngine : IContainerInspector, IContainerControl, IContainerArchive, IImageStore, INetworkControl, ISwarmServices, IDisposable
{
    /// <summary>Where the engine is (e.g. unix:///var/run/docker.sock), for messages and custody.</summary>
    string Endpoint { get; }

    Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken);
}

/// <summary>Reads a container without changing it: inspect, processes, logs, change set, listing.</summary>
public interface IContainerInspector
{
    Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(ContainerListFilter filter, CancellationToken cancellationToken);

    /// <summary>Inspects a container by name, id or unambiguous id prefix.</summary>
    Task<ContainerInspection> InspectContainerAsync(string reference, CancellationToken cancellationToken);

    Task<ProcessList> GetProcessesAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Copies the container's logs (stdout and stderr, demultiplexed) to <paramref name="destination"/>, bounded.</summary>
    Task<LogCapture> CopyLogsAsync(string containerId, LogRequest request, Stream destination, CancellationToken cancellationToken);

    Task<IReadOnlyList<ChangeEntry>> GetChangesAsync(string containerId, CancellationToken cancellationToken);
}

/// <summary>Changes a container's life: pause, kill, rename, create, start, wait, remove.</summary>
public interface IContainerControl
{
    Task PauseAsync(string containerId, CancellationToken cancellationToken);

    Task UnpauseAsync(string containerId, CancellationToken cancellationToken);

    Task KillAsync(string containerId, string signal, CancellationToken cancellationToken);

    Task RenameAsync(string containerId, string newName, CancellationToken cancellationToken);

    /// <summary>Creates a container and returns its id.</summary>
    Task<string> CreateContainerAsync(ContainerSpec spec, string? name, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a container from the engine's own create body (Config fields, HostConfig, NetworkingConfig) as JSON,
    /// sent as it is, so settings this port does not model (links, DNS search, sysctls, log options ...) carry over.
    /// </summary>
    Task<string> CreateContainerFromJsonAsync(string createBodyJson, string? name, CancellationToken cancellationToken);

    Task StartAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Waits for the container to stop and returns its exit code.</summary>
    Task<long> WaitAsync(string containerId, CancellationToken cancellationToken);

    Task RemoveContainerAsync(string containerId, bool force, bool removeVolumes, CancellationToken cancellationToken);
}

/// <summary>Reads a container's filesystem through the engine (never starts it).</summary>
public interface IContainerArchive
{
    /// <summary>Stats a path in a container's filesystem; null when it does not exist.</summary>
    Task<PathStat?> StatPathAsync(string containerId, string path, CancellationToken cancellationToken);

    /// <summary>Streams a tar of one path of a container (created or running; never starts it).</summary>
    Task<ArchiveContent> GetArchiveAsync(string containerId, string path, CancellationToken cancellationToken);

    /// <summary>Streams the container's whole filesystem as a tar.</summary>
    Task<Stream> ExportContainerAsync(string containerId, CancellationToken cancellationToken);
}

/// <summary>The engine's images: commit, list, inspect, remove, save, import.</summary>
public interface IImageStore
{
    /// <summary>Commits the container's filesystem as an image and returns the image id.</summary>
    Task<string> CommitAsync(CommitRequest request, CancellationToken cancellationToken);

    /// <summary>Lists images carrying every one of the given labels ("key" or "key=value").</summary>
    Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken);

    Task<ImageInspection> InspectImageAsync(string reference, CancellationToken cancellationToken);

    Task RemoveImageAsync(string reference, bool force, CancellationToken cancellationToken);

    /// <summary>Streams `docker save` of an image.</summary>
    Task<Stream> SaveImageAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Imports a root filesystem tar as an image and returns the image id.</summary>
    Task<string> ImportImageAsync(Stream rootfsTar, ImportRequest request, CancellationToken cancellationToken);
}

/// <summary>A container's network attachments.</summary>
public interface INetworkControl
{
    Task ConnectNetworkAsync(string network, string containerId, IReadOnlyList<string> aliases, CancellationToken cancellationToken);

    /// <summary>Connects a container with a whole endpoint configuration (aliases, links, static addresses) as the engine's JSON.</summary>
    Task ConnectNetworkFromJsonAsync(string network, string containerId, string endpointConfigJson, CancellationToken cancellationToken);

    Task DisconnectNetworkAsync(string network, string containerId, bool force, CancellationToken cancellationToken);
}

/// <summary>Swarm services and their tasks (the engine must be a swarm manager).</summary>
public interface ISwarmServices
{
    /// <summary>Inspects a Swarm service by name, id or id prefix (the engine must be a swarm manager).</summary>
    Task<ServiceInspection> InspectServiceAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Replaces a service's spec (the whole spec, as JSON) at the version read; returns the engine's warnings.</summary>
    Task<IReadOnlyList<string>> UpdateServiceAsync(string serviceId, ulong version, string specJson, CancellationToken cancellationToken);

    /// <summary>The tasks of a service whose desired state is running, on every node.</summary>
    Task<IReadOnlyList<ServiceTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken);
}

/// <summary>Where an engine runs, as far as reading its storage and its containers' /proc from here goes.</summary>
public static class EngineHost
{
    /// <summary>True when the engine answers on a Unix socket, so it runs on this host and its storage and processes are here to read.</summary>
    public static bool IsOnThisHost(this IContainerEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return engine.Endpoint.StartsWith("unix://", StringComparison.Ordinal);
    }
}
