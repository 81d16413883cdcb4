using System.Text;
using System.Text.Json.Nodes;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>How a fake container behaves once started: whether it stays up, its exit code, its health, its log, and what it writes (its change set grows by these).</summary>
public sealed record FakeRun(bool StaysUp = true, int ExitCode = 0, string? Health = null, IReadOnlyList<string>? Log = null, IReadOnlyList<ChangeEntry>? Writes = null)
{
    public static FakeRun Up { get; } = new();
}

/// <summary>
/// The container roles of the fake engine: inspect, processes, logs and change set; pause, kill, rename, create
/// (from a spec or the engine's JSON body, kept for the test to read), start, wait, remove. A created container runs
/// as <see cref="OnStart"/> says (by default it stays up, healthy when it has a healthcheck).
/// </summary>
public sealed class FakeContainers(FakeCalls calls, Func<string, ImageInspection?> image) : IContainerInspector, IContainerControl
{
    private readonly Dictionary<string, ContainerInspection> containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ChangeEntry>> changes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> logs = new(StringComparer.Ordinal);
    private int created;
    private int starts;

    /// <summary>The create body each container made from JSON was created with, by id.</summary>
    public Dictionary<string, JsonObject> CreateBodies { get; } = new(StringComparer.Ordinal);

    /// <summary>How a container behaves when started; by default it stays up.</summary>
    public Func<ContainerInspection, FakeRun> OnStart { get; set; } = _ => FakeRun.Up;

    /// <summary>Awaited before the change set is answered (a test holds the change set back to see what goes on meanwhile).</summary>
    public Func<Task>? BeforeChanges { get; set; }

    /// <summary>Every container the fake holds now, removed ones excluded.</summary>
    public IReadOnlyCollection<ContainerInspection> All => containers.Values;

    public void Add(ContainerInspection container, IEnumerable<ChangeEntry> changeSet)
    {
        ArgumentNullException.ThrowIfNull(container);
        containers[container.Id] = container;
        changes[container.Id] = [.. changeSet];
    }

    public ContainerInspection Get(string reference) => Find(reference);

    public void Update(string reference, Func<ContainerInspection, ContainerInspection> change)
    {
        var c = Find(reference);
        containers[c.Id] = change(c);
    }

    public Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(ContainerListFilter filter, CancellationToken cancellationToken) =>
        calls.Record("list", () => (IReadOnlyList<ContainerSummary>)containers.Values
            .Where(c => FakeCalls.HasLabels(c.Config.Labels, filter?.Labels ?? []))
            .Select(c => new ContainerSummary(c.Id, [c.Name], c.Config.Image ?? "", c.ImageId, c.State.Status, c.State.Status, c.Config.Labels)).ToList());

    public Task<ContainerInspection> InspectContainerAsync(string reference, CancellationToken cancellationToken) =>
        calls.Record("inspect", () => Find(reference), reference);

    public Task<ProcessList> GetProcessesAsync(string containerId, CancellationToken cancellationToken) =>
        calls.Record("top", () =>
        {
            if (!Find(containerId).State.Running)
            {
                throw new EngineConflictException($"container {containerId} is not running");
            }

            return new ProcessList(["PID", "CMD"], [["42", "/start"]], Encoding.UTF8.GetBytes("""{"Titles":["PID","CMD"],"Processes":[["42","/start"]]}"""));
        });

    public Task<LogCapture> CopyLogsAsync(string containerId, LogRequest request, Stream destination, CancellationToken cancellationToken) =>
        calls.Record("logs", () =>
        {
            ArgumentNullException.ThrowIfNull(destination);
            var lines = logs.GetValueOrDefault(Find(containerId).Id) ?? ["started"];
            var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
            destination.Write(bytes);
            return new LogCapture(bytes.Length, false);
        });

    public async Task<IReadOnlyList<ChangeEntry>> GetChangesAsync(string containerId, CancellationToken cancellationToken)
    {
        if (BeforeChanges is { } hold)
        {
            await hold();
        }

        return await calls.Record("changes", () => (IReadOnlyList<ChangeEntry>)[.. changes[Find(containerId).Id]]);
    }

    public Task PauseAsync(string containerId, CancellationToken cancellationToken) =>
        calls.Record("pause", () => SetState(containerId, s => s.Running && !s.Paused ? s with { Paused = true, Status = "paused" }
            : throw new EngineConflictException($"container {containerId} is not running")), containerId);

    public Task UnpauseAsync(string containerId, CancellationToken cancellationToken) =>
        calls.Record("unpause", () => SetState(containerId, s => s.Paused ? s with { Paused = false, Status = "running" }
            : throw new EngineConflictException($"container {containerId} is not paused")), containerId);

    public Task KillAsync(string containerId, string signal, CancellationToken cancellationToken) =>
        calls.Record("kill", () => SetState(containerId, s => s.Running ? s with { Running = false, Paused = false, Status = "exited", ExitCode = 137, Pid = 0 }
            : throw new EngineConflictException($"container {containerId} is not running")), containerId);

    public Task RenameAsync(string containerId, string newName, CancellationToken cancellationToken) =>
        calls.Record("rename", () =>
        {
            var c = Find(containerId);
            if (containers.Values.Any(o => o.Name == newName && o.Id != c.Id))
            {
                throw new EngineConflictException($"the name {newName} is in use");
            }

            containers[c.Id] = c with { Name = newName };
        }, containerId);

    public Task<string> CreateContainerAsync(ContainerSpec spec, string? name, CancellationToken cancellationToken) =>
        calls.Record("create", () =>
        {
            ArgumentNullException.ThrowIfNull(spec);
            return Create(spec.Image, name, spec.Labels, spec.Healthcheck, spec.HostConfig, [], new JsonObject { ["Image"] = spec.Image });
        });

    public Task<string> CreateContainerFromJsonAsync(string createBodyJson, string? name, CancellationToken cancellationToken) =>
        calls.Record("create", () =>
        {
            var body = JsonNode.Parse(createBodyJson) as JsonObject ?? throw new EngineApiException(400, "the create body is not a JSON object", "create");
            var imageRef = body["Image"]?.GetValue<string>() ?? throw new EngineApiException(400, "no image given", "create");
            var labels = (body["Labels"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
            var test = (body["Healthcheck"]?["Test"] as JsonArray)?.Select(t => t!.GetValue<string>()).ToList();
            var host = body["HostConfig"] as JsonObject ?? [];
            var hostConfig = new HostConfigInfo
            {
                ReadonlyRootfs = host["ReadonlyRootfs"]?.GetValue<bool>() ?? false,
                NetworkMode = host["NetworkMode"]?.GetValue<string>(),
                CapDrop = (host["CapDrop"] as JsonArray)?.Select(c => c!.GetValue<string>()).ToList() ?? [],
                CapAdd = (host["CapAdd"] as JsonArray)?.Select(c => c!.GetValue<string>()).ToList() ?? [],
            };
            var networks = (body["NetworkingConfig"]?["EndpointsConfig"] as JsonObject ?? [])
                .Select(kv => new NetworkAttachment(kv.Key, "net-" + kv.Key, (kv.Value?["Aliases"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToList() ?? [], null)).ToList();
            var id = Create(imageRef, name, labels, test is null ? null : new HealthcheckSpec(test, 0, 0, 0, 0), hostConfig, networks, body);
            return id;
        });

    public Task StartAsync(string containerId, CancellationToken cancellationToken) =>
        calls.Record("start", () =>
        {
            var c = Find(containerId);
            if (c.State.Running)
            {
                return;
            }

            var run = OnStart(c);
            var healthy = c.Config.Healthcheck is { Test: [not "NONE", ..] } ? run.Health ?? "healthy" : run.Health;
            logs[c.Id] = [.. run.Log ?? ["started"]];
            changes[c.Id].AddRange(run.Writes ?? []);
            var at = $"2026-01-01T00:00:{Interlocked.Increment(ref starts):00}Z";
            containers[c.Id] = c with
            {
                State = c.State with
                {
                    Running = run.StaysUp, Status = run.StaysUp ? "running" : "exited", ExitCode = run.StaysUp ? 0 : run.ExitCode,
                    Pid = run.StaysUp ? 4242 : 0, StartedAt = at, HealthStatus = healthy,
                },
                Networks = c.Networks.Select((n, i) => n with { IpAddress = $"10.99.0.{i + 2}" }).ToList(),
            };
        }, containerId);

    public Task<long> WaitAsync(string containerId, CancellationToken cancellationToken) =>
        calls.Record("wait", () => (long)Find(containerId).State.ExitCode);

    public Task RemoveContainerAsync(string containerId, bool force, bool removeVolumes, CancellationToken cancellationToken) =>
        calls.Record("remove", () =>
        {
            var c = Find(containerId);
            if (c.State.Running && !force)
            {
                throw new EngineConflictException($"container {containerId} is running");
            }

            containers.Remove(c.Id);
        }, containerId);

    public ContainerInspection Find(string reference) =>
        containers.Values.FirstOrDefault(c => c.Id == reference || c.Name == reference || c.Name == "/" + reference)
        ?? containers.Values.SingleOrDefault(c => reference.Length >= 4 && c.Id.StartsWith(reference, StringComparison.Ordinal))
        ?? throw new ContainerNotFoundException(reference);

    private string Create(string imageRef, string? name, IReadOnlyDictionary<string, string> labels, HealthcheckSpec? healthcheck, HostConfigInfo host,
        IReadOnlyList<NetworkAttachment> networks, JsonObject body)
    {
        var from = image(imageRef) ?? throw new ImageNotFoundException(imageRef);
        if (name is not null && containers.Values.Any(c => c.Name == name))
        {
            throw new EngineConflictException($"the container name \"/{name}\" is already in use");
        }

        var id = $"fa4e{Interlocked.Increment(ref created):x60}";
        name ??= $"fake_{created}";
        var config = from.Config with
        {
            Image = imageRef,
            Labels = new Dictionary<string, string>(from.Config.Labels.Concat(labels).GroupBy(kv => kv.Key).Select(g => g.Last()), StringComparer.Ordinal),
            Healthcheck = healthcheck ?? from.Config.Healthcheck,
        };
        IReadOnlyList<NetworkAttachment> attached = networks.Count > 0 ? networks
            : host.NetworkMode is { } mode and not "none" and not "host" ? [new NetworkAttachment(mode, "net-" + mode, [], null)] : [];
        var raw = new JsonObject { ["Id"] = id, ["Name"] = "/" + name, ["Config"] = body.DeepClone(), ["HostConfig"] = body["HostConfig"]?.DeepClone() };
        containers[id] = new ContainerInspection(id, name, "2026-01-01T00:00:00Z", from.Id,
            new ContainerState("created", false, false, false, false, 0, 0, "0001-01-01T00:00:00Z", null, null),
            config, host, [], attached, [],
            new GraphDriverInfo("overlay2", new Dictionary<string, string>()), Encoding.UTF8.GetBytes(raw.ToJsonString()));
        changes[id] = [];
        CreateBodies[id] = body;
        return id;
    }

    private void SetState(string id, Func<ContainerState, ContainerState> change)
    {
        var c = Find(id);
        containers[c.Id] = c with { State = change(c.State) };
    }
}
