using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Views;

/// <summary>Source-generated JSON for the timeline's and findings' JSON Lines; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TimelineEvent))]
[JsonSerializable(typeof(FindingRow))]
public sealed partial class ViewsJson : JsonSerializerContext
{
    /// <summary>One-line output for JSON Lines.</summary>
    public static ViewsJson Compact { get; } = new(CaseJson.MakeOptions(false));
}
