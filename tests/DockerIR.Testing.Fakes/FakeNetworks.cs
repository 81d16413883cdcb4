using System.Text.Json.Nodes;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>The network role of the fake engine: attachments of fake containers, with the endpoint bodies connected from JSON kept for the test.</summary>
public sealed class FakeNetworks(FakeCalls calls, FakeContainers containers) : INetworkControl
{
    /// <summary>Every endpoint configuration connected from JSON: (network, container id, body).</summary>
    public List<(string Network, string ContainerId, JsonObject Config)> Connected { get; } = [];

    public Task ConnectNetworkAsync(string network, string containerId, IReadOnlyList<string> aliases, CancellationToken cancellationToken) =>
        calls.Record("connect", () => Attach(network, containerId, aliases));

    public Task ConnectNetworkFromJsonAsync(string network, string containerId, string endpointConfigJson, CancellationToken cancellationToken) =>
        calls.Record("connect", () =>
        {
            var config = JsonNode.Parse(endpointConfigJson) as JsonObject ?? [];
            Connected.Add((network, containers.Find(containerId).Id, config));
            Attach(network, containerId, (config["Aliases"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToList() ?? []);
        });

    public Task DisconnectNetworkAsync(string network, string containerId, bool force, CancellationToken cancellationToken) =>
        calls.Record("disconnect", () => containers.Update(containerId, c => c.Networks.Any(n => n.Network == network)
            ? c with { Networks = c.Networks.Where(n => n.Network != network).ToList() }
            : throw new EngineObjectNotFoundException($"container {containerId} is not connected to network {network}")));

    private void Attach(string network, string containerId, IReadOnlyList<string> aliases) =>
        containers.Update(containerId, c => c.Networks.Any(n => n.Network == network)
            ? throw new EngineConflictException($"container {containerId} is already connected to network {network}")
            : c with { Networks = [.. c.Networks, new NetworkAttachment(network, "net-" + network, aliases, c.State.Running ? "10.99.1.2" : null)] });
}
