using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DockerIR.Core;
using DockerIR.Docker.Wire;
using static DockerIR.Docker.DockerApiClient;

namespace DockerIR.Docker.Api;

/// <summary>The /services resource of the Engine API (Swarm mode).</summary>
internal sealed class ServicesApi(DockerApiClient client)
{
    /// <summary>The service's values, its spec as the engine's raw JSON, and the whole answer.</summary>
    public async Task<(ServiceInspectWire Value, string SpecJson, byte[] Raw)> InspectAsync(string reference, CancellationToken ct)
    {
        var path = $"services/{Esc(reference)}";
        var (value, raw) = await client.GetJsonWithRawAsync(path, DockerJsonContext.Default.ServiceInspectWire, ErrorContext.Service("inspect the service", reference), ct);
        using var document = JsonDocument.Parse(raw);
        if (!document.RootElement.TryGetProperty("Spec", out var spec) || spec.ValueKind != JsonValueKind.Object || value.Version is null || value.ID.Length == 0)
        {
            throw new DockerIRException(FailureKind.EngineError, $"the Docker engine's answer to /{path} has no ID, Version or Spec");
        }

        return (value, spec.GetRawText(), raw);
    }

    public async Task<List<string>> UpdateAsync(string serviceId, ulong version, string specJson, CancellationToken ct)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(specJson));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var path = $"services/{Esc(serviceId)}/update?version={version}";
        using var response = await client.SendAsync(HttpMethod.Post, path, content, ErrorContext.Service("update the service", serviceId), ct);
        var raw = await response.Content.ReadAsByteArrayAsync(ct);
        return raw.Length == 0 ? [] : Deserialize(raw, DockerJsonContext.Default.ServiceUpdateResponse, path).Warnings ?? [];
    }

    public Task<List<TaskWire>> ListTasksAsync(string serviceId, CancellationToken ct)
    {
        var filters = new Dictionary<string, List<string>> { ["service"] = [serviceId], ["desired-state"] = ["running"] };
        return client.GetJsonAsync("tasks?filters=" + Esc(JsonSerializer.Serialize(filters, DockerJsonContext.Default.DictionaryStringListString)),
            DockerJsonContext.Default.ListTaskWire, ErrorContext.Service("list the service's tasks", serviceId), ct);
    }
}
