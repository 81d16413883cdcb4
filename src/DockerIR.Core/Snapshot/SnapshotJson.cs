using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Snapshot;

/// <summary>Source-generated JSON for what a snapshot prints for scripts; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SnapshotResult))]
public sealed partial class SnapshotJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static SnapshotJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
