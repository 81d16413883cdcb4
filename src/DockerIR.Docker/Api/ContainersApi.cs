using System.Text;
using System.Text.Json;
using DockerIR.Docker.Wire;
using static DockerIR.Docker.DockerApiClient;

namespace DockerIR.Docker.Api;

/// <summary>The /containers resource of the Engine API.</summary>
internal sealed class ContainersApi(DockerApiClient client)
{
    public Task<List<ContainerSummaryWire>> ListAsync(bool all, Dictionary<string, List<string>> filters, CancellationToken ct)
    {
        var query = $"containers/json?all={(all ? "true" : "false")}";
        if (filters.Count > 0)
        {
            query += "&filters=" + Esc(JsonSerializer.Serialize(filters, DockerJsonContext.Default.DictionaryStringListString));
        }

        return client.GetJsonAsync(query, DockerJsonContext.Default.ListContainerSummaryWire, ErrorContext.General("list containers"), ct);
    }

    public Task<(ContainerInspectResponse Value, byte[] Raw)> InspectAsync(string reference, CancellationToken ct) =>
        client.GetJsonWithRawAsync($"containers/{Esc(reference)}/json", DockerJsonContext.Default.ContainerInspectResponse,
            ErrorContext.Container("inspect the container", reference), ct);

    public Task<(TopResponse Value, byte[] Raw)> TopAsync(string id, CancellationToken ct) =>
        client.GetJsonWithRawAsync($"containers/{Esc(id)}/top", DockerJsonContext.Default.TopResponse,
            ErrorContext.Container("list the container's processes", id), ct);

    public async Task<Stream> LogsAsync(string id, int tail, bool timestamps, CancellationToken ct)
    {
        var response = await client.SendAsync(HttpMethod.Get,
            $"containers/{Esc(id)}/logs?stdout=true&stderr=true&follow=false&timestamps={(timestamps ? "true" : "false")}&tail={tail}",
            null, ErrorContext.Container("read the container's logs", id), ct, stream: true);
        return await ResponseStream.OpenAsync(response, ct);
    }

    public async Task<List<ChangeWire>> ChangesAsync(string id, CancellationToken ct)
    {
        using var response = await client.SendAsync(HttpMethod.Get, $"containers/{Esc(id)}/changes", null,
            ErrorContext.Container("read the container's changes", id), ct);
        var raw = await response.Content.ReadAsByteArrayAsync(ct);
        // The engine answers "null" for a container without changes.
        return raw.AsSpan().Trim("\n\r "u8).SequenceEqual("null"u8) ? [] : Deserialize(raw, DockerJsonContext.Default.ListChangeWire, "changes");
    }

    public Task PauseAsync(string id, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"containers/{Esc(id)}/pause", ErrorContext.Container("pause the container", id), ct);

    public Task UnpauseAsync(string id, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"containers/{Esc(id)}/unpause", ErrorContext.Container("unpause the container", id), ct);

    public Task KillAsync(string id, string signal, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"containers/{Esc(id)}/kill?signal={Esc(signal)}", ErrorContext.Container("kill the container", id), ct);

    public Task RenameAsync(string id, string name, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"containers/{Esc(id)}/rename?name={Esc(name)}", ErrorContext.Container("rename the container", id), ct);

    public Task<IdResponse> CreateAsync(ContainerCreateRequest body, string? name, CancellationToken ct) =>
        client.PostJsonAsync("containers/create" + (name is null ? "" : $"?name={Esc(name)}"), body,
            DockerJsonContext.Default.ContainerCreateRequest, DockerJsonContext.Default.IdResponse,
            ErrorContext.Image("create the container", body.Image ?? "?"), ct);

    public async Task<IdResponse> CreateFromJsonAsync(string bodyJson, string? name, CancellationToken ct)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(bodyJson));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var path = "containers/create" + (name is null ? "" : $"?name={Esc(name)}");
        using var response = await client.SendAsync(HttpMethod.Post, path, content, ErrorContext.General("create the container"), ct);
        return Deserialize(await response.Content.ReadAsByteArrayAsync(ct), DockerJsonContext.Default.IdResponse, path);
    }

    public Task StartAsync(string id, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Post, $"containers/{Esc(id)}/start", ErrorContext.Container("start the container", id), ct);

    public async Task<WaitResponse> WaitAsync(string id, CancellationToken ct)
    {
        using var response = await client.SendAsync(HttpMethod.Post, $"containers/{Esc(id)}/wait?condition=not-running", null,
            ErrorContext.Container("wait for the container", id), ct, stream: true);
        var raw = await response.Content.ReadAsByteArrayAsync(ct);
        return Deserialize(raw, DockerJsonContext.Default.WaitResponse, "wait");
    }

    public Task RemoveAsync(string id, bool force, bool volumes, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Delete, $"containers/{Esc(id)}?force={(force ? "true" : "false")}&v={(volumes ? "true" : "false")}",
            ErrorContext.Container("remove the container", id), ct);

    public async Task<PathStatWire?> StatPathAsync(string id, string path, CancellationToken ct)
    {
        try
        {
            using var response = await client.SendAsync(HttpMethod.Head, $"containers/{Esc(id)}/archive?path={Esc(path)}", null,
                ErrorContext.Path("stat a path", id, path), ct);
            return ParseStat(response);
        }
        catch (Core.Engine.EngineObjectNotFoundException)
        {
            return null;
        }
    }

    public async Task<(PathStatWire Stat, Stream Content)> GetArchiveAsync(string id, string path, CancellationToken ct)
    {
        var response = await client.SendAsync(HttpMethod.Get, $"containers/{Esc(id)}/archive?path={Esc(path)}", null,
            ErrorContext.Path("read a path", id, path), ct, stream: true);
        var stat = ParseStat(response);
        return (stat, await ResponseStream.OpenAsync(response, ct));
    }

    public async Task<Stream> ExportAsync(string id, CancellationToken ct)
    {
        var response = await client.SendAsync(HttpMethod.Get, $"containers/{Esc(id)}/export", null,
            ErrorContext.Container("export the container", id), ct, stream: true);
        return await ResponseStream.OpenAsync(response, ct);
    }

    public Task<IdResponse> CommitAsync(string id, string repo, string tag, string comment, string author, bool pause,
        ContainerConfigWire config, CancellationToken ct) =>
        client.PostJsonAsync(
            $"commit?container={Esc(id)}&repo={Esc(repo)}&tag={Esc(tag)}&comment={Esc(comment)}&author={Esc(author)}&pause={(pause ? "true" : "false")}",
            config, DockerJsonContext.Default.ContainerConfigWire, DockerJsonContext.Default.IdResponse,
            ErrorContext.Container("commit the container", id), ct);

    private static PathStatWire ParseStat(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("X-Docker-Container-Path-Stat", out var values))
        {
            throw new Core.DockerIRException(Core.FailureKind.EngineError, "the engine's archive answer carries no path stat header");
        }

        try
        {
            var json = Encoding.UTF8.GetString(Convert.FromBase64String(values.First()));
            return JsonSerializer.Deserialize(json, DockerJsonContext.Default.PathStatWire) ?? new PathStatWire();
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new Core.DockerIRException(Core.FailureKind.EngineError, $"the engine's path stat header is malformed: {e.Message}", e);
        }
    }
}
