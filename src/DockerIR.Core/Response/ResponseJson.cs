using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Response;

/// <summary>Source-generated JSON for run.json and a run's result; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(CaseRunResult))]
public sealed partial class ResponseJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static ResponseJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
