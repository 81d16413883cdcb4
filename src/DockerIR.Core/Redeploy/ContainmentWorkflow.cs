using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using Serilog;

namespace DockerIR.Core.Redeploy;

/// <summary>containment.json: what contain changed, so --undo can put it back.</summary>
public sealed record ContainmentRecord(
    string ContainerId,
    string ContainerName,
    DateTimeOffset ContainedUtc,
    IReadOnlyList<NetworkAttachment> Networks,
    bool PausedByContain,
    DateTimeOffset? UndoneUtc);

/// <summary>What contain (or its undo) did.</summary>
public sealed record ContainmentResult(string CaseDir, string ContainerId, string ContainerName, bool Undo, IReadOnlyList<string> Networks, bool Paused, IReadOnlyList<string> Actions);

/// <summary>
/// Isolates a suspect without destroying anything: disconnects it from every network and pauses it, so its
/// memory and its layer stay for study. What was changed is recorded in the case and undone by <see cref="UndoAsync"/>.
/// </summary>
public sealed class ContainmentWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log)
{
    public const string FileName = "containment.json";

    public async Task<ContainmentResult> ContainAsync(string container, string? caseDir, string casesRoot, CancellationToken cancellationToken)
    {
        var inspect = await engine.InspectContainerAsync(container, cancellationToken);
        var (dir, record) = await OpenOrCreateCaseAsync(inspect, caseDir, casesRoot, cancellationToken);
        var custody = new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock);
        var target = $"{inspect.Name} ({inspect.Id})";
        var actions = new List<string>();
        var shortId = EngineIds.Abbreviate(inspect.Id);
        var networks = inspect.Networks
            .Select(n => n with { Aliases = n.Network is "bridge" ? [] : n.Aliases.Where(a => a != shortId).ToList(), IpAddress = null })
            .ToList();
        var previous = await ReadAsync(dir, cancellationToken);
        var pausedBefore = previous is { UndoneUtc: null } && previous.ContainerId == inspect.Id && previous.PausedByContain;

        // Recorded before anything changes: a crash half-way still leaves what undo needs.
        var containment = new ContainmentRecord(inspect.Id, inspect.Name, clock.GetUtcNow(),
            previous is { UndoneUtc: null } && previous.ContainerId == inspect.Id ? previous.Networks.UnionBy(networks, n => n.Network).ToList() : networks,
            pausedBefore || (inspect.State.Running && !inspect.State.Paused), UndoneUtc: null);
        await dir.WriteJsonAsync(FileName, containment, RedeployJson.Indented.ContainmentRecord, cancellationToken);

        foreach (var network in networks)
        {
            await engine.DisconnectNetworkAsync(network.Network, inspect.Id, force: true, cancellationToken);
            await custody.AppendAsync("contain.disconnect", target, CustodyOutcome.Succeeded, $"network {network.Network}", cancellationToken);
            actions.Add($"disconnected from {network.Network}");
        }

        if (inspect.State.Running && !inspect.State.Paused)
        {
            await engine.PauseAsync(inspect.Id, cancellationToken);
            await custody.AppendAsync("contain.pause", target, CustodyOutcome.Succeeded, "frozen; memory and layer kept", cancellationToken);
            actions.Add("paused");
        }
        else
        {
            await custody.AppendAsync("contain.pause", target, CustodyOutcome.Skipped, inspect.State.Paused ? "already paused" : $"container is {inspect.State.Status}", cancellationToken);
        }

        log.Contained(shortId, string.Join(", ", actions.DefaultIfEmpty("already contained")));
        return new ContainmentResult(dir.Root, inspect.Id, inspect.Name, Undo: false, containment.Networks.Select(n => n.Network).ToList(),
            inspect.State.Running || inspect.State.Paused, actions);
    }

    public async Task<ContainmentResult> UndoAsync(string container, string? caseDir, string casesRoot, CancellationToken cancellationToken)
    {
        var inspect = await engine.InspectContainerAsync(container, cancellationToken);
        var (dir, record) = await OpenOrCreateCaseAsync(inspect, caseDir, casesRoot, cancellationToken);
        var containment = await ReadAsync(dir, cancellationToken);
        if (containment is null || containment.ContainerId != inspect.Id || containment.UndoneUtc is not null)
        {
            throw new DockerIRException(FailureKind.NotFound, $"case {record.CaseId} records no containment of {inspect.Name} to undo");
        }

        var custody = new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock);
        var target = $"{inspect.Name} ({inspect.Id})";
        var actions = new List<string>();
        var attached = inspect.Networks.Select(n => n.Network).ToHashSet(StringComparer.Ordinal);
        foreach (var network in containment.Networks.Where(n => !attached.Contains(n.Network)))
        {
            await engine.ConnectNetworkAsync(network.Network, inspect.Id, network.Aliases, cancellationToken);
            await custody.AppendAsync("contain.undo.connect", target, CustodyOutcome.Succeeded,
                $"network {network.Network}, aliases [{string.Join(", ", network.Aliases)}]", cancellationToken);
            actions.Add($"reconnected to {network.Network}");
        }

        if (containment.PausedByContain && inspect.State.Paused)
        {
            await engine.UnpauseAsync(inspect.Id, cancellationToken);
            await custody.AppendAsync("contain.undo.unpause", target, CustodyOutcome.Succeeded, "contain had paused it", cancellationToken);
            actions.Add("unpaused");
        }

        await dir.WriteJsonAsync(FileName, containment with { UndoneUtc = clock.GetUtcNow() }, RedeployJson.Indented.ContainmentRecord, cancellationToken);
        return new ContainmentResult(dir.Root, inspect.Id, inspect.Name, Undo: true, containment.Networks.Select(n => n.Network).ToList(),
            inspect.State.Paused && !containment.PausedByContain, actions);
    }

    private async Task<(CaseDirectory Dir, CaseRecord Record)> OpenOrCreateCaseAsync(ContainerInspection inspect, string? caseDir, string casesRoot, CancellationToken cancellationToken)
    {
        if (caseDir is not null && File.Exists(Path.Combine(caseDir, CaseDirectory.CaseFile)))
        {
            var opened = await CaseDirectory.OpenAsync(caseDir, cancellationToken);
            if (opened.Record.Container.Id != inspect.Id)
            {
                throw new DockerIRException(FailureKind.Usage, $"case {opened.Record.CaseId} is about {opened.Record.Container.Name}, not {inspect.Name}");
            }

            return opened;
        }

        if (caseDir is null && await CaseLocator.FindLatestAsync(casesRoot, inspect.Id, committedOnly: false, cancellationToken) is { } found)
        {
            return found;
        }

        return await CaseLocator.OpenNewAsync(caseDir, casesRoot, inspect, engine.Endpoint, actor, clock, "contain (no snapshot taken)", cancellationToken);
    }

    private static async Task<ContainmentRecord?> ReadAsync(CaseDirectory dir, CancellationToken cancellationToken)
    {
        var path = dir.PathOf(FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await System.Text.Json.JsonSerializer.DeserializeAsync(stream, RedeployJson.Indented.ContainmentRecord, cancellationToken);
    }
}
