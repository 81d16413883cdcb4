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

    public Task ConnectFromJsonAsync(string network, string container, string endpointConfigJson, CancellationToken ct)
    {
        // The body is {"Container": ..., "EndpointConfig": <the endpoint as given>}; the endpoint JSON is ours (built from an inspect).
        var body = new System.Text.Json.Nodes.JsonObject { ["Container"] = container, ["EndpointConfig"] = System.Text.Json.Nodes.JsonNode.Parse(endpointConfigJson) }.ToJsonString();
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return client.SendNoContentAsync(HttpMethod.Post, $"networks/{Esc(network)}/connect",
            ErrorContext.Network("connect the container to the network", network, container), ct, content);
    }

    public Task DisconnectAsync(string network, string container, bool force, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"networks/{Esc(network)}/disconnect",
            ErrorContext.Network("disconnect the container from the network", network, container), ct,
            JsonContent(new NetworkDisconnectRequest { Container = container, Force = force }, DockerJsonContext.Default.NetworkDisconnectRequest));
}
