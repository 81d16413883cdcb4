using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Extraction;

/// <summary>Source-generated JSON for what an extraction prints for scripts; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExtractResult))]
public sealed partial class ExtractionJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static ExtractionJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
