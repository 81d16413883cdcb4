using System.Text;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>
/// An in-memory engine for unit tests of workflows: it holds containers, images and change sets, and records
/// every call in order so tests can assert what a workflow did and in which order. Engine behaviour itself is
/// proven against the real engine, not here.
/// </summary>
public sealed class FakeEngine : IContainerEngine
{
    private readonly Dictionary<string, ContainerInspection> containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageInspection> images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ChangeEntry>> changes = new(StringComparer.Ordinal);

    public List<string> Calls { get; } = [];

    public List<CommitRequest> Commits { get; } = [];

    public string Endpoint => "fake://engine";

    /// <summary>Failures to raise on a given call name (e.g. "top").</summary>
    public Dictionary<string, Exception> FailOn { get; } = [];

    public static ContainerInspection Container(string id, string name, string image = "web:1", bool running = true, bool paused = false) =>
        new(id, name, "2026-01-01T00:00:00Z", $"sha256:{image.GetHashCode():x8}",
            new ContainerState(paused ? "paused" : running ? "running" : "exited", running, paused, false, false, running ? 42 : 0, 0, null, null, null),
            new ContainerConfigInfo("host", "", [], ["/start"], null, "/", image, new Dictionary<string, string>(), ["80/tcp"], [], null, null, false, false),
            new HostConfigInfo(), [], [], [], new GraphDriverInfo("overlay2", new Dictionary<string, string>()),
            Encoding.UTF8.GetBytes($$"""{"Id":"{{id}}","Name":"/{{name}}"}"""));

    public FakeEngine Add(ContainerInspection container, params ChangeEntry[] changeSet)
    {
        ArgumentNullException.ThrowIfNull(container);
        containers[container.Id] = container;
        changes[container.Id] = [.. changeSet];
        images[container.ImageId] = new ImageInspection(container.ImageId, [container.Config.Image ?? ""], "2026-01-01T00:00:00Z", 1234, container.Config, new GraphDriverInfo("fake", new Dictionary<string, string>()),
            Encoding.UTF8.GetBytes($$"""{"Id":"{{container.ImageId}}"}"""));
        return this;
    }

    public ContainerInspection Get(string id) => containers[id];

    public Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        Record("version", () => new EngineVersion("fake", "1.41", "1.41", "linux", "amd64"));

    public Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(ContainerListFilter filter, CancellationToken cancellationToken) =>
        Record("list", () => (IReadOnlyList<ContainerSummary>)containers.Values
            .Select(c => new ContainerSummary(c.Id, [c.Name], c.Config.Image ?? "", c.ImageId, c.State.Status, c.State.Status, c.Config.Labels)).ToList());

    public Task<ContainerInspection> InspectContainerAsync(string reference, CancellationToken cancellationToken) =>
        Record("inspect", () => Find(reference));

    public Task<ProcessList> GetProcessesAsync(string containerId, CancellationToken cancellationToken) =>
        Record("top", () => new ProcessList(["PID", "CMD"], [["42", "/start"]], Encoding.UTF8.GetBytes("""{"Titles":["PID","CMD"],"Processes":[["42","/start"]]}""")));

    public Task<LogCapture> CopyLogsAsync(string containerId, LogRequest request, Stream destination, CancellationToken cancellationToken) =>
        Record("logs", () =>
        {
            var bytes = Encoding.UTF8.GetBytes("started\n");
            destination.Write(bytes);
            return new LogCapture(bytes.Length, false);
        });

    /// <summary>Awaited before the change set is answered (a test holds the change set back to see what goes on meanwhile).</summary>
    public Func<Task>? BeforeChanges { get; set; }

    /// <summary>Completed when the first commit is requested.</summary>
    public TaskCompletionSource CommitRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<IReadOnlyList<ChangeEntry>> GetChangesAsync(string containerId, CancellationToken cancellationToken)
    {
        if (BeforeChanges is { } hold)
        {
            await hold();
        }

        return await Record("changes", () => (IReadOnlyList<ChangeEntry>)changes[Find(containerId).Id]);
    }

    public Task PauseAsync(string containerId, CancellationToken cancellationToken) =>
        Record("pause", () => SetState(containerId, s => s with { Paused = true, Status = "paused" }));

    public Task UnpauseAsync(string containerId, CancellationToken cancellationToken) =>
        Record("unpause", () => SetState(containerId, s => s with { Paused = false, Status = "running" }));

    public Task KillAsync(string containerId, string signal, CancellationToken cancellationToken) =>
        Record("kill", () => SetState(containerId, s => s with { Running = false, Paused = false, Status = "exited" }));

    public Task RenameAsync(string containerId, string newName, CancellationToken cancellationToken) =>
        Record("rename", () =>
        {
            var c = Find(containerId);
            containers[c.Id] = c with { Name = newName };
            return true;
        });

    public Task<string> CreateContainerAsync(ContainerSpec spec, string? name, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine does not create containers");

    public Task<string> CreateContainerFromJsonAsync(string createBodyJson, string? name, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine does not create containers");

    public Task StartAsync(string containerId, CancellationToken cancellationToken) =>
        Record("start", () => SetState(containerId, s => s with { Running = true, Status = "running" }));

    public Task<long> WaitAsync(string containerId, CancellationToken cancellationToken) => Record("wait", () => 0L);

    public Task RemoveContainerAsync(string containerId, bool force, bool removeVolumes, CancellationToken cancellationToken) =>
        Record("remove", () => containers.Remove(Find(containerId).Id));

    public Task<PathStat?> StatPathAsync(string containerId, string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no filesystems");

    public Task<ArchiveContent> GetArchiveAsync(string containerId, string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no filesystems");

    public Task<Stream> ExportContainerAsync(string containerId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no filesystems");

    public Task<string> CommitAsync(CommitRequest request, CancellationToken cancellationToken) =>
        Record("commit", () =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Commits.Add(request);
            CommitRequested.TrySetResult();
            var id = $"sha256:{Commits.Count:x64}";
            var config = Find(request.ContainerId).Config;
            images[id] = new ImageInspection(id, [$"{request.Repository}:{request.Tag}"], "now", 1, config with { Labels = new Dictionary<string, string>(request.Labels) },
                new GraphDriverInfo("fake", new Dictionary<string, string>()), Encoding.UTF8.GetBytes("{}"));
            return id;
        });

    public Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken) =>
        Record("images", () => (IReadOnlyList<ImageSummary>)images.Values
            .Where(i => labels.All(l => l.Split('=', 2) is var kv && i.Config.Labels.TryGetValue(kv[0], out var v) && (kv.Length == 1 || v == kv[1])))
            .Select(i => new ImageSummary(i.Id, i.RepoTags, i.Config.Labels)).ToList());

    public Task<ImageInspection> InspectImageAsync(string reference, CancellationToken cancellationToken) =>
        Record("image-inspect", () => images.TryGetValue(reference, out var i) ? i : throw new ImageNotFoundException(reference));

    public Task RemoveImageAsync(string reference, bool force, CancellationToken cancellationToken) =>
        Record("image-remove", () => images.Remove(reference));

    public Task<Stream> SaveImageAsync(string reference, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no image layers");

    public Task<string> ImportImageAsync(Stream rootfsTar, ImportRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no image layers");

    public Task ConnectNetworkAsync(string network, string containerId, IReadOnlyList<string> aliases, CancellationToken cancellationToken) =>
        Record("connect", () => true);

    public Task ConnectNetworkFromJsonAsync(string network, string containerId, string endpointConfigJson, CancellationToken cancellationToken) =>
        Record("connect", () => true);

    public Task DisconnectNetworkAsync(string network, string containerId, bool force, CancellationToken cancellationToken) =>
        Record("disconnect", () => true);

    public Task<ServiceInspection> InspectServiceAsync(string reference, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no Swarm services");

    public Task<IReadOnlyList<string>> UpdateServiceAsync(string serviceId, ulong version, string specJson, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no Swarm services");

    public Task<IReadOnlyList<ServiceTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeEngine has no Swarm services");

    public void Dispose()
    {
    }

    private ContainerInspection Find(string reference) =>
        containers.Values.FirstOrDefault(c => c.Id == reference || c.Name == reference || c.Id.StartsWith(reference, StringComparison.Ordinal))
        ?? throw new ContainerNotFoundException(reference);

    private bool SetState(string id, Func<ContainerState, ContainerState> change)
    {
        var c = Find(id);
        containers[c.Id] = c with { State = change(c.State) };
        return true;
    }

    private Task<T> Record<T>(string call, Func<T> action)
    {
        lock (Calls)
        {
            Calls.Add(call);
        }

        if (FailOn.TryGetValue(call, out var failure))
        {
            return Task.FromException<T>(failure);
        }

        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private Task Record(string call, Func<bool> action) => Record<bool>(call, action);
}
