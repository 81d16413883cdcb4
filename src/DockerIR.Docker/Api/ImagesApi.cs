using System.Net.Http.Headers;
using System.Text.Json;
using DockerIR.Core;
using DockerIR.Docker.Wire;
using static DockerIR.Docker.DockerApiClient;

namespace DockerIR.Docker.Api;

/// <summary>The /images resource of the Engine API.</summary>
internal sealed class ImagesApi(DockerApiClient client)
{
    public Task<List<ImageSummaryWire>> ListAsync(IReadOnlyList<string> labels, CancellationToken ct)
    {
        var filters = new Dictionary<string, List<string>> { ["label"] = [.. labels] };
        var query = "images/json" + (labels.Count == 0 ? "" : "?filters=" + Esc(JsonSerializer.Serialize(filters, DockerJsonContext.Default.DictionaryStringListString)));
        return client.GetJsonAsync(query, DockerJsonContext.Default.ListImageSummaryWire, ErrorContext.General("list images"), ct);
    }

    public Task<(ImageInspectResponse Value, byte[] Raw)> InspectAsync(string reference, CancellationToken ct) =>
        client.GetJsonWithRawAsync($"images/{Esc(reference)}/json", DockerJsonContext.Default.ImageInspectResponse,
            ErrorContext.Image("inspect the image", reference), ct);

    public Task RemoveAsync(string reference, bool force, CancellationToken ct) =>
        client.SendNoContentAsync(HttpMethod.Delete, $"images/{Esc(reference)}?force={(force ? "true" : "false")}&noprune=false",
            ErrorContext.Image("remove the image", reference), ct);

    public async Task<Stream> SaveAsync(string reference, CancellationToken ct)
    {
        var response = await client.SendAsync(HttpMethod.Get, $"images/{Esc(reference)}/get", null,
            ErrorContext.Image("save the image", reference), ct, stream: true);
        return await ResponseStream.OpenAsync(response, ct);
    }

    /// <summary>Imports a rootfs tar; reads the progress stream to its end and returns the new image id.</summary>
    public async Task<string> ImportAsync(Stream rootfs, string repo, string tag, IReadOnlyList<string> changes, string? message, CancellationToken ct)
    {
        var query = $"images/create?fromSrc=-&repo={Esc(repo)}&tag={Esc(tag)}";
        foreach (var change in changes)
        {
            query += $"&changes={Esc(change)}";
        }

        if (message is not null)
        {
            query += $"&message={Esc(message)}";
        }

        using var content = new StreamContent(rootfs);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await client.SendAsync(HttpMethod.Post, query, content, ErrorContext.General("import the image"), ct, stream: true);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body);
        string? id = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var progress = JsonSerializer.Deserialize(line, DockerJsonContext.Default.ProgressMessage);
            if (progress?.Error is { Length: > 0 } error)
            {
                throw new DockerIRException(FailureKind.EngineError, $"the Docker engine failed to import the image: {error}");
            }

            if (progress?.Status is { } status && status.StartsWith("sha256:", StringComparison.Ordinal))
            {
                id = status.Trim();
            }
        }

        return id ?? throw new DockerIRException(FailureKind.EngineError, "the Docker engine's import answer named no image id");
    }
}
