using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Docker.Wire;

namespace DockerIR.Docker;

/// <summary>
/// The HTTP core of the engine client: negotiates the API version once, sends versioned requests and turns
/// every failure into a typed DockerIR exception. The per-resource classes (containers, images, networks)
/// build on it.
/// </summary>
internal sealed class DockerApiClient : IDisposable
{
    private readonly HttpClient http;
    private readonly DockerClientOptions options;
    private static readonly Version MinApi = Version.Parse(DockerClientOptions.MinApiVersion);
    private static readonly Version MaxApi = Version.Parse(DockerClientOptions.MaxApiVersion);
    private readonly SemaphoreSlim negotiateLock = new(1, 1);
    private EngineVersion? version;

    public DockerApiClient(DockerClientOptions options)
    {
        this.options = options;
        http = new HttpClient(DockerHttp.CreateHandler(options), disposeHandler: true)
        {
            BaseAddress = options.Endpoint.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("dockerir", "0.1"));
    }

    public string Endpoint => options.Endpoint.Display;

    /// <summary>Pings the engine and settles the API version (the daemon's, capped at what this client speaks).</summary>
    public async Task<EngineVersion> NegotiateAsync(CancellationToken cancellationToken)
    {
        if (version is not null)
        {
            return version;
        }

        await negotiateLock.WaitAsync(cancellationToken);
        try
        {
            if (version is not null)
            {
                return version;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            VersionResponse? v;
            try
            {
                using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "version"), HttpCompletionOption.ResponseContentRead, timeout.Token);
                if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "application/json")
                {
                    throw NotDocker($"GET /version answered HTTP {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
                }

                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                v = JsonSerializer.Deserialize(body, DockerJsonContext.Default.VersionResponse);
            }
            catch (JsonException e)
            {
                throw NotDocker($"its /version answer is not the Docker API's ({e.Message})");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EngineUnreachableException(Endpoint, $"no answer within {options.ConnectTimeout.TotalSeconds:0} s");
            }

            if (v?.ApiVersion is not { Length: > 0 } daemonApi || !TryParseApi(daemonApi, out var daemon))
            {
                throw NotDocker("its /version answer carries no ApiVersion");
            }

            if (daemon < MinApi)
            {
                throw new DockerIRException(FailureKind.EngineError,
                    $"the Docker engine at {Endpoint} speaks API {daemonApi}; dockerir needs {DockerClientOptions.MinApiVersion} or newer (Docker 20.10+)");
            }

            var negotiated = daemon < MaxApi ? daemonApi : DockerClientOptions.MaxApiVersion;
            version = new EngineVersion(v.Version ?? "?", daemonApi, negotiated, v.Os ?? "?", v.Arch ?? "?");
            return version;
        }
        finally
        {
            negotiateLock.Release();
        }
    }

    /// <summary>Sends a versioned request and fails with a typed error on any non-success status.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, ErrorContext errors,
        CancellationToken cancellationToken, bool stream = false)
    {
        var v = await NegotiateAsync(cancellationToken);
        var request = new HttpRequestMessage(method, $"v{v.NegotiatedApiVersion}/{path}") { Content = content };
        HttpResponseMessage response;
        if (stream)
        {
            response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.RequestTimeout);
            try
            {
                response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EngineUnreachableException(Endpoint, $"no answer to {method} /{path} within {options.RequestTimeout.TotalSeconds:0} s");
            }
        }

        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified)
        {
            return response;
        }

        using (response)
        {
            throw await ToExceptionAsync(response, errors, cancellationToken);
        }
    }

    public async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, ErrorContext errors, CancellationToken cancellationToken)
    {
        var (value, _) = await GetJsonWithRawAsync(path, type, errors, cancellationToken);
        return value;
    }

    /// <summary>GETs a JSON document and returns both the parsed value and the daemon's bytes, verbatim.</summary>
    public async Task<(T Value, byte[] Raw)> GetJsonWithRawAsync<T>(string path, JsonTypeInfo<T> type, ErrorContext errors, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, errors, cancellationToken);
        var raw = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (Deserialize(raw, type, path), raw);
    }

    public async Task<TResponse> PostJsonAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, ErrorContext errors, CancellationToken cancellationToken)
    {
        using var content = JsonContent(body, requestType);
        using var response = await SendAsync(HttpMethod.Post, path, content, errors, cancellationToken);
        var raw = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Deserialize(raw, responseType, path);
    }

    public async Task SendNoContentAsync(HttpMethod method, string path, ErrorContext errors, CancellationToken cancellationToken, HttpContent? content = null)
    {
        using var response = await SendAsync(method, path, content, errors, cancellationToken);
    }

    public static ByteArrayContent JsonContent<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static T Deserialize<T>(byte[] raw, JsonTypeInfo<T> type, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(raw, type) ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.EngineError, $"the Docker engine's answer to /{path} is not what the API describes: {e.Message}", e);
        }
    }

    /// <summary>Escapes a path segment or query value.</summary>
    public static string Esc(string value) => Uri.EscapeDataString(value);

    public void Dispose()
    {
        http.Dispose();
        negotiateLock.Dispose();
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var response = await http.SendAsync(request, completion, cancellationToken);
            options.Log?.EngineAnswered(request.Method, request.RequestUri?.OriginalString, (int)response.StatusCode,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (HttpRequestException e)
        {
            options.Log?.EngineDidNotAnswer(request.Method, request.RequestUri?.OriginalString, e.Message);
            throw new EngineUnreachableException(Endpoint, Describe(e), e);
        }
        catch (IOException e)
        {
            options.Log?.EngineDidNotAnswer(request.Method, request.RequestUri?.OriginalString, e.Message);
            throw new EngineUnreachableException(Endpoint, e.Message, e);
        }
        finally
        {
            request.Dispose();
        }
    }

    private static string Describe(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException se)
            {
                return se.SocketErrorCode switch
                {
                    SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => "no such socket",
                    SocketError.ConnectionRefused => "connection refused (is dockerd running?)",
                    SocketError.AccessDenied => "permission denied (run as root or join the docker group)",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.HostNotFound or SocketError.NoData => "host not found",
                    _ => se.Message,
                };
            }

            if (inner is UnauthorizedAccessException)
            {
                return "permission denied (run as root or join the docker group)";
            }
        }

        return e.HttpRequestError switch
        {
            HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded => "it does not speak HTTP (is it a Docker engine socket?)",
            HttpRequestError.SecureConnectionError => $"TLS failed: {e.InnerException?.Message ?? e.Message}",
            _ => e.Message,
        };
    }

    private EngineUnreachableException NotDocker(string detail) =>
        new(Endpoint, $"it does not speak the Docker Engine API: {detail}");

    private static async Task<Exception> ToExceptionAsync(HttpResponseMessage response, ErrorContext errors, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string message;
        try
        {
            var bytes = await ReadBoundedAsync(response.Content, 64 * 1024, cancellationToken);
            message = TryParseMessage(bytes) ?? Encoding.UTF8.GetString(bytes).Trim();
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            message = response.ReasonPhrase ?? "";
        }

        if (message.Length == 0)
        {
            message = response.ReasonPhrase ?? $"HTTP {status}";
        }

        if (message.Contains("multiple IDs found", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerIRException(FailureKind.Usage, $"'{errors.Reference}' is an ambiguous id prefix ({message}); give more characters or the name");
        }

        return status switch
        {
            404 => errors.NotFound(message),
            409 => new EngineConflictException($"cannot {errors.Operation}: {message}"),
            _ => new EngineApiException(status, message, errors.Operation),
        };
    }

    private static string? TryParseMessage(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, DockerJsonContext.Default.ErrorResponse)?.Message?.Trim();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int max, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[max];
        var total = 0;
        int read;
        while (total < max && (read = await stream.ReadAsync(buffer.AsMemory(total, max - total), cancellationToken)) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }

    private static bool TryParseApi(string text, out Version parsed) => Version.TryParse(text, out parsed!);
}

/// <summary>What a request was for, so its failure can be named: the operation and how a 404 reads.</summary>
internal sealed record ErrorContext(string Operation, string Reference, Func<string, Exception> NotFound)
{
    public static ErrorContext Container(string operation, string reference) =>
        new(operation, reference, m => new ContainerNotFoundException(reference, m));

    public static ErrorContext Image(string operation, string reference) =>
        new(operation, reference, _ => new ImageNotFoundException(reference));

    public static ErrorContext Path(string operation, string container, string path) =>
        new(operation, container, m => m.Contains("No such container", StringComparison.OrdinalIgnoreCase)
            ? new ContainerNotFoundException(container, m)
            : new EngineObjectNotFoundException($"no such path in container {container}: {path}"));

    public static ErrorContext Network(string operation, string network, string container) =>
        new(operation, network, m => m.Contains("container", StringComparison.OrdinalIgnoreCase) && !m.Contains("network", StringComparison.OrdinalIgnoreCase)
            ? new ContainerNotFoundException(container, m)
            : new EngineObjectNotFoundException($"no such network: {network} ({m})"));

    public static ErrorContext Service(string operation, string reference) =>
        new(operation, reference, m => new EngineObjectNotFoundException($"no such service: {reference} ({m})"));

    public static ErrorContext General(string operation) =>
        new(operation, "", m => new EngineObjectNotFoundException(m));
}
