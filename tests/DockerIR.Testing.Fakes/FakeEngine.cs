using System.Text;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>
/// An in-memory engine for unit tests of workflows, made of one fake per role port (<see cref="Containers"/>,
/// <see cref="Images"/>, <see cref="Archive"/>, <see cref="Networks"/>, <see cref="Swarm"/>) that share one record of
/// every call in order, so tests can assert what a workflow did and in which order. Engine behaviour itself is proven
/// against the real engine, not here.
/// </summary>
/// <param name="endpoint">
/// Where the fake says it is: a <c>unix://</c> endpoint makes workflows treat it as an engine on this host (they then
/// read layers from the directories a test gives); anything else makes them go through the archive role.
/// </param>
public sealed class FakeEngine(string endpoint = "fake://engine") : IContainerEngine
{
    private readonly FakeCalls calls = new();
    private FakeContainers? containers;
    private FakeImages? images;
    private FakeArchive? archive;
    private FakeNetworks? networks;
    private FakeSwarm? swarm;

    public FakeContainers Containers => containers ??= new FakeContainers(calls, r => Images.Find(r));

    public FakeImages Images => images ??= new FakeImages(calls, Containers.Find);

    public FakeArchive Archive => archive ??= new FakeArchive(calls, Containers, Images);

    public FakeNetworks Networks => networks ??= new FakeNetworks(calls, Containers);

    public FakeSwarm Swarm => swarm ??= new FakeSwarm(calls);

    public IReadOnlyList<string> Calls => calls.All;

    /// <summary>Every call with the reference it named (e.g. ("inspect", "web"), ("kill", id)).</summary>
    public IReadOnlyList<(string Call, string Target)> CallsWithTargets => calls.WithTargets;

    public List<CommitRequest> Commits => Images.Commits;

    public string Endpoint => endpoint;

    /// <summary>Failures to raise on a given call name (e.g. "top").</summary>
    public Dictionary<string, Exception> FailOn => calls.FailOn;

    /// <summary>Awaited before the change set is answered (a test holds the change set back to see what goes on meanwhile).</summary>
    public Func<Task>? BeforeChanges
    {
        get => Containers.BeforeChanges;
        set => Containers.BeforeChanges = value;
    }

    /// <summary>Completed when the first commit is requested.</summary>
    public TaskCompletionSource CommitRequested => Images.CommitRequested;

    public static ContainerInspection Container(string id, string name, string image = "web:1", bool running = true, bool paused = false) =>
        new(id, name, "2026-01-01T00:00:00Z", $"sha256:{image.GetHashCode():x8}",
            new ContainerState(paused ? "paused" : running ? "running" : "exited", running, paused, false, false, running ? 42 : 0, 0, running ? "2026-01-01T00:00:00Z" : null, null, null),
            new ContainerConfigInfo("host", "", [], ["/start"], null, "/", image, new Dictionary<string, string>(), ["80/tcp"], [], null, null, false, false),
            new HostConfigInfo(), [], [], [], new GraphDriverInfo("overlay2", new Dictionary<string, string>()),
            Encoding.UTF8.GetBytes($$"""{"Id":"{{id}}","Name":"/{{name}}"}"""));

    /// <summary>
    /// Adds a container and its change set; its image is added too unless present, with <paramref name="imageLayers"/>
    /// (topmost first) as its layer directories, and <paramref name="upperDir"/> becomes the container's writable layer.
    /// </summary>
    public FakeEngine Add(ContainerInspection container, params ChangeEntry[] changeSet) => Add(container, null, [], changeSet);

    public FakeEngine Add(ContainerInspection container, string? upperDir, IReadOnlyList<string> imageLayers, params ChangeEntry[] changeSet)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (upperDir is not null)
        {
            container = container with { GraphDriver = FakeImages.Driver([upperDir, .. imageLayers]) };
        }

        Containers.Add(container, changeSet);
        if (!Images.Contains(container.ImageId))
        {
            Images.Add(FakeImages.Image(container.ImageId, container.Config.Image ?? "", container.Config with { Labels = new Dictionary<string, string>() }, [.. imageLayers]));
        }

        return this;
    }

    public ContainerInspection Get(string id) => Containers.Get(id);

    public Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        calls.Record("version", () => new EngineVersion("fake", "1.41", "1.41", "linux", "amd64"));

    public Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(ContainerListFilter filter, CancellationToken cancellationToken) => Containers.ListContainersAsync(filter, cancellationToken);

    public Task<ContainerInspection> InspectContainerAsync(string reference, CancellationToken cancellationToken) => Containers.InspectContainerAsync(reference, cancellationToken);

    public Task<ProcessList> GetProcessesAsync(string containerId, CancellationToken cancellationToken) => Containers.GetProcessesAsync(containerId, cancellationToken);

    public Task<LogCapture> CopyLogsAsync(string containerId, LogRequest request, Stream destination, CancellationToken cancellationToken) =>
        Containers.CopyLogsAsync(containerId, request, destination, cancellationToken);

    public Task<IReadOnlyList<ChangeEntry>> GetChangesAsync(string containerId, CancellationToken cancellationToken) => Containers.GetChangesAsync(containerId, cancellationToken);

    public Task PauseAsync(string containerId, CancellationToken cancellationToken) => Containers.PauseAsync(containerId, cancellationToken);

    public Task UnpauseAsync(string containerId, CancellationToken cancellationToken) => Containers.UnpauseAsync(containerId, cancellationToken);

    public Task KillAsync(string containerId, string signal, CancellationToken cancellationToken) => Containers.KillAsync(containerId, signal, cancellationToken);

    public Task RenameAsync(string containerId, string newName, CancellationToken cancellationToken) => Containers.RenameAsync(containerId, newName, cancellationToken);

    public Task<string> CreateContainerAsync(ContainerSpec spec, string? name, CancellationToken cancellationToken) => Containers.CreateContainerAsync(spec, name, cancellationToken);

    public Task<string> CreateContainerFromJsonAsync(string createBodyJson, string? name, CancellationToken cancellationToken) =>
        Containers.CreateContainerFromJsonAsync(createBodyJson, name, cancellationToken);

    public Task StartAsync(string containerId, CancellationToken cancellationToken) => Containers.StartAsync(containerId, cancellationToken);

    public Task<long> WaitAsync(string containerId, CancellationToken cancellationToken) => Containers.WaitAsync(containerId, cancellationToken);

    public Task RemoveContainerAsync(string containerId, bool force, bool removeVolumes, CancellationToken cancellationToken) =>
        Containers.RemoveContainerAsync(containerId, force, removeVolumes, cancellationToken);

    public Task<PathStat?> StatPathAsync(string containerId, string path, CancellationToken cancellationToken) => Archive.StatPathAsync(containerId, path, cancellationToken);

    public Task<ArchiveContent> GetArchiveAsync(string containerId, string path, CancellationToken cancellationToken) => Archive.GetArchiveAsync(containerId, path, cancellationToken);

    public Task<Stream> ExportContainerAsync(string containerId, CancellationToken cancellationToken) => Archive.ExportContainerAsync(containerId, cancellationToken);

    public Task<string> CommitAsync(CommitRequest request, CancellationToken cancellationToken) => Images.CommitAsync(request, cancellationToken);

    public Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken) => Images.ListImagesAsync(labels, cancellationToken);

    public Task<ImageInspection> InspectImageAsync(string reference, CancellationToken cancellationToken) => Images.InspectImageAsync(reference, cancellationToken);

    public Task RemoveImageAsync(string reference, bool force, CancellationToken cancellationToken) => Images.RemoveImageAsync(reference, force, cancellationToken);

    public Task<Stream> SaveImageAsync(string reference, CancellationToken cancellationToken) => Images.SaveImageAsync(reference, cancellationToken);

    public Task<string> ImportImageAsync(Stream rootfsTar, ImportRequest request, CancellationToken cancellationToken) => Images.ImportImageAsync(rootfsTar, request, cancellationToken);

    public Task ConnectNetworkAsync(string network, string containerId, IReadOnlyList<string> aliases, CancellationToken cancellationToken) =>
        Networks.ConnectNetworkAsync(network, containerId, aliases, cancellationToken);

    public Task ConnectNetworkFromJsonAsync(string network, string containerId, string endpointConfigJson, CancellationToken cancellationToken) =>
        Networks.ConnectNetworkFromJsonAsync(network, containerId, endpointConfigJson, cancellationToken);

    public Task DisconnectNetworkAsync(string network, string containerId, bool force, CancellationToken cancellationToken) =>
        Networks.DisconnectNetworkAsync(network, containerId, force, cancellationToken);

    public Task<ServiceInspection> InspectServiceAsync(string reference, CancellationToken cancellationToken) => Swarm.InspectServiceAsync(reference, cancellationToken);

    public Task<IReadOnlyList<string>> UpdateServiceAsync(string serviceId, ulong version, string specJson, CancellationToken cancellationToken) =>
        Swarm.UpdateServiceAsync(serviceId, version, specJson, cancellationToken);

    public Task<IReadOnlyList<ServiceTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken) => Swarm.ListServiceTasksAsync(serviceId, cancellationToken);

    public void Dispose()
    {
    }
}
