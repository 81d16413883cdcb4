using DockerIR.Docker.Wire;
using static DockerIR.Docker.DockerApiClient;

namespace DockerIR.Docker.Api;

/// <summary>The /networks resource of the Engine API.</summary>
internal sealed class NetworksApi(DockerApiClient client)
{
    public Task ConnectAsync(string network, string container, IReadOnlyList<string> aliases, CancellationToken ct)
    {
        var body = new NetworkConnectRequest
        {
            Container = container,
            EndpointConfig = new EndpointSettingsWire { Aliases = aliases.Count == 0 ? null : [.. aliases] },
        };
        return client.SendNoContentAsync(HttpMethod.Post, $"networks/{Esc(network)}/connect",
            ErrorContext.Network("connect the container to the network", network, container), ct,
            JsonContent(body, DockerJsonContext.Default.NetworkConnectRequest));
    }

    public Task DisconnectAsync(string network, string container, bool force, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"networks/{Esc(network)}/disconnect",
            ErrorContext.Network("disconnect the container from the network", network, container), ct,
            JsonContent(new NetworkDisconnectRequest { Container = container, Force = force }, DockerJsonContext.Default.NetworkDisconnectRequest));
}
