using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;

namespace DockerIR.Core.Playbooks;

/// <summary>Source-generated JSON for playbook-run.json, a run's result and a dry run's plans; made with <see cref="CaseJson.MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PlaybookRunRecord))]
[JsonSerializable(typeof(PlaybookRunResult))]
[JsonSerializable(typeof(IReadOnlyList<PlannedTarget>))]
public sealed partial class PlaybooksJson : JsonSerializerContext
{
    /// <summary>Indented output for files a person reads.</summary>
    public static PlaybooksJson Indented { get; } = new(CaseJson.MakeOptions(true));
}
