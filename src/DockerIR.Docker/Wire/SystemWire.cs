namespace DockerIR.Docker.Wire;

internal sealed class VersionResponse
{
    public string? Version { get; set; }
    public string? ApiVersion { get; set; }
    public string? MinAPIVersion { get; set; }
    public string? Os { get; set; }
    public string? Arch { get; set; }
}

internal sealed class ErrorResponse
{
    public string? Message { get; set; }
}

internal sealed class ImageInspectResponse
{
    public string Id { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public string? Created { get; set; }
    public long Size { get; set; }
    public ContainerConfigWire? Config { get; set; }
    public GraphDriverWire? GraphDriver { get; set; }
}

/// <summary>One line of the JSON progress stream of import (and pull/push).</summary>
internal sealed class ProgressMessage
{
    public string? Status { get; set; }
    public string? Id { get; set; }
    public string? Error { get; set; }
    public ErrorResponse? ErrorDetail { get; set; }
}

internal sealed class ImageSummaryWire
{
    public string Id { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}
