using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Evidence;

/// <summary>Source-generated JSON for what bundle, verify and show print for scripts; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProcessView))]
[JsonSerializable(typeof(BundleResult))]
[JsonSerializable(typeof(VerifyResult))]
public sealed partial class EvidenceJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static EvidenceJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
