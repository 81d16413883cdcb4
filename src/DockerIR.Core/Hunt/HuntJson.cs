using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Hunt;

/// <summary>Source-generated JSON for hunt.json; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HuntReport))]
public sealed partial class HuntJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static HuntJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
