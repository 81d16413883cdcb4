using DockerIR.Core.Engine;
using DockerIR.Docker.Api;
using DockerIR.Docker.Wire;

namespace DockerIR.Docker;

/// <summary>The Docker Engine API behind the <see cref="IContainerEngine"/> port.</summary>
internal sealed class DockerEngine : IContainerEngine
{
    private readonly DockerApiClient client;
    private readonly ContainersApi containers;
    private readonly ImagesApi images;
    private readonly NetworksApi networks;
    private readonly ServicesApi services;

    public DockerEngine(DockerClientOptions options)
    {
        client = new DockerApiClient(options);
        containers = new ContainersApi(client);
        images = new ImagesApi(client);
        networks = new NetworksApi(client);
        services = new ServicesApi(client);
    }

    public string Endpoint => client.Endpoint;

    public Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken) => client.NegotiateAsync(cancellationToken);

    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(ContainerListFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var filters = new Dictionary<string, List<string>>();
        if (filter.Labels is { Count: > 0 } labels)
        {
            filters["label"] = [.. labels];
        }

        if (filter.Name is { } name)
        {
            filters["name"] = [name];
        }

        var list = await containers.ListAsync(filter.All, filters, cancellationToken);
        return list.Select(c => new ContainerSummary(c.Id, (c.Names ?? []).Select(n => n.TrimStart('/')).ToList(), c.Image ?? "", c.ImageID ?? "",
            c.State ?? "", c.Status ?? "", c.Labels ?? [])).ToList();
    }

    public async Task<ContainerInspection> InspectContainerAsync(string reference, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        var (value, raw) = await containers.InspectAsync(reference, cancellationToken);
        return WireMapper.ToDomain(value, raw);
    }

    public async Task<ProcessList> GetProcessesAsync(string containerId, CancellationToken cancellationToken)
    {
        var (value, raw) = await containers.TopAsync(containerId, cancellationToken);
        return new ProcessList(value.Titles ?? [], (value.Processes ?? []).Select(p => (IReadOnlyList<string>)p).ToList(), raw);
    }

    public async Task<LogCapture> CopyLogsAsync(string containerId, LogRequest request, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var stream = await containers.LogsAsync(containerId, request.TailLines, request.Timestamps, cancellationToken);
        return await LogDemultiplexer.CopyAsync(stream, destination, multiplexed: !request.Tty, request.MaxBytes, cancellationToken);
    }

    public async Task<IReadOnlyList<ChangeEntry>> GetChangesAsync(string containerId, CancellationToken cancellationToken)
    {
        var changes = await containers.ChangesAsync(containerId, cancellationToken);
        return changes.Select(c => new ChangeEntry(c.Path, c.Kind switch
        {
            0 => ChangeKind.Changed,
            1 => ChangeKind.Added,
            2 => ChangeKind.Deleted,
            var k => throw new Core.DockerIRException(Core.FailureKind.EngineError, $"the engine reported an unknown change kind {k} for {c.Path}"),
        })).ToList();
    }

    public Task PauseAsync(string containerId, CancellationToken cancellationToken) => containers.PauseAsync(containerId, cancellationToken);

    public Task UnpauseAsync(string containerId, CancellationToken cancellationToken) => containers.UnpauseAsync(containerId, cancellationToken);

    public Task KillAsync(string containerId, string signal, CancellationToken cancellationToken) =>
        containers.KillAsync(containerId, signal, cancellationToken);

    public Task RenameAsync(string containerId, string newName, CancellationToken cancellationToken) =>
        containers.RenameAsync(containerId, newName, cancellationToken);

    public async Task<string> CreateContainerAsync(ContainerSpec spec, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var response = await containers.CreateAsync(WireMapper.ToWire(spec), name, cancellationToken);
        return response.Id;
    }

    public async Task<string> CreateContainerFromJsonAsync(string createBodyJson, string? name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(createBodyJson);
        return (await containers.CreateFromJsonAsync(createBodyJson, name, cancellationToken)).Id;
    }

    public Task StartAsync(string containerId, CancellationToken cancellationToken) => containers.StartAsync(containerId, cancellationToken);

    public async Task<long> WaitAsync(string containerId, CancellationToken cancellationToken) =>
        (await containers.WaitAsync(containerId, cancellationToken)).StatusCode;

    public Task RemoveContainerAsync(string containerId, bool force, bool removeVolumes, CancellationToken cancellationToken) =>
        containers.RemoveAsync(containerId, force, removeVolumes, cancellationToken);

    public async Task<PathStat?> StatPathAsync(string containerId, string path, CancellationToken cancellationToken) =>
        await containers.StatPathAsync(containerId, path, cancellationToken) is { } stat ? WireMapper.ToDomain(stat) : null;

    public async Task<ArchiveContent> GetArchiveAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        var (stat, content) = await containers.GetArchiveAsync(containerId, path, cancellationToken);
        return new ArchiveContent(WireMapper.ToDomain(stat), content);
    }

    public Task<Stream> ExportContainerAsync(string containerId, CancellationToken cancellationToken) =>
        containers.ExportAsync(containerId, cancellationToken);

    public async Task<string> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = new ContainerConfigWire { Labels = new Dictionary<string, string>(request.Labels) };
        var response = await containers.CommitAsync(request.ContainerId, request.Repository, request.Tag, request.Comment, request.Author,
            request.Pause, config, cancellationToken);
        return response.Id;
    }

    public async Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var list = await images.ListAsync(labels, cancellationToken);
        return list.Select(i => new ImageSummary(i.Id, (i.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList(), i.Labels ?? [])).ToList();
    }

    public async Task<ImageInspection> InspectImageAsync(string reference, CancellationToken cancellationToken)
    {
        var (value, raw) = await images.InspectAsync(reference, cancellationToken);
        return WireMapper.ToDomain(value, raw);
    }

    public Task RemoveImageAsync(string reference, bool force, CancellationToken cancellationToken) =>
        images.RemoveAsync(reference, force, cancellationToken);

    public Task<Stream> SaveImageAsync(string reference, CancellationToken cancellationToken) => images.SaveAsync(reference, cancellationToken);

    public Task<string> ImportImageAsync(Stream rootfsTar, ImportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return images.ImportAsync(rootfsTar, request.Repository, request.Tag, request.Changes, request.Message, cancellationToken);
    }

    public Task ConnectNetworkAsync(string network, string containerId, IReadOnlyList<string> aliases, CancellationToken cancellationToken) =>
        networks.ConnectAsync(network, containerId, aliases, cancellationToken);

    public Task ConnectNetworkFromJsonAsync(string network, string containerId, string endpointConfigJson, CancellationToken cancellationToken) =>
        networks.ConnectFromJsonAsync(network, containerId, endpointConfigJson, cancellationToken);

    public Task DisconnectNetworkAsync(string network, string containerId, bool force, CancellationToken cancellationToken) =>
        networks.DisconnectAsync(network, containerId, force, cancellationToken);

    public async Task<ServiceInspection> InspectServiceAsync(string reference, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        var (value, spec, raw) = await services.InspectAsync(reference, cancellationToken);
        return new ServiceInspection(value.ID, value.Spec?.Name ?? "", value.Version!.Index, spec, value.UpdateStatus?.State, value.UpdateStatus?.Message, raw);
    }

    public async Task<IReadOnlyList<string>> UpdateServiceAsync(string serviceId, ulong version, string specJson, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentNullException.ThrowIfNull(specJson);
        return await services.UpdateAsync(serviceId, version, specJson, cancellationToken);
    }

    public async Task<IReadOnlyList<ServiceTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        var tasks = await services.ListTasksAsync(serviceId, cancellationToken);
        return tasks.Select(t => new ServiceTask(t.ID, t.NodeID ?? "", t.DesiredState ?? "", t.Status?.State ?? "",
            t.Status?.ContainerStatus?.ContainerID is { Length: > 0 } c ? c : null)).ToList();
    }

    public void Dispose() => client.Dispose();
}

/// <summary>Creates the Docker implementation of the engine port.</summary>
public static class DockerEngineFactory
{
    /// <summary>An engine client for the given options; nothing is sent until the first call.</summary>
    public static IContainerEngine Create(DockerClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DockerEngine(options);
    }

    /// <summary>An engine client for DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH.</summary>
    public static IContainerEngine FromEnvironment() => Create(DockerClientOptions.FromEnvironment());

    /// <summary>As <see cref="FromEnvironment()"/>, logging every engine request at Debug level to <paramref name="log"/>.</summary>
    public static IContainerEngine FromEnvironment(Serilog.ILogger log) => Create(DockerClientOptions.FromEnvironment() with { Log = log });
}
