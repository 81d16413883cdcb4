using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Redeploy;

/// <summary>Source-generated JSON for the relaunch's and containment's records and results, and the write-profile cache; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RedeployResult))]
[JsonSerializable(typeof(CachedWriteProfile))]
[JsonSerializable(typeof(ServicePlan))]
[JsonSerializable(typeof(ServiceRedeployResult))]
[JsonSerializable(typeof(ContainmentRecord))]
[JsonSerializable(typeof(ContainmentResult))]
public sealed partial class RedeployJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static RedeployJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
