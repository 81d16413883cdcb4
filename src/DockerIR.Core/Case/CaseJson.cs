using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Case;

/// <summary>Source-generated JSON for what the case holds: case.json, custody lines, the change set, manifest.json, the volatile records, the audit, findings and redeploy-plan records; made with <see cref="MakeOptions"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CustodyRecord))]
[JsonSerializable(typeof(CaseRecord))]
[JsonSerializable(typeof(ClassifiedChange))]
[JsonSerializable(typeof(IReadOnlyList<ClassifiedChange>))]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(FileRecord))]
[JsonSerializable(typeof(ProcessesRecord))]
[JsonSerializable(typeof(SocketsRecord))]
[JsonSerializable(typeof(MemoryIndex))]
[JsonSerializable(typeof(RedeployPlan))]
[JsonSerializable(typeof(WriteProfile))]
[JsonSerializable(typeof(AuditReport))]
[JsonSerializable(typeof(TriageReport))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class CaseJson : JsonSerializerContext
{
    /// <summary>
    /// The options every folder's context is made with (one place): camelCase, nulls left out, invisible characters
    /// escaped, enums as words and change kinds as their letters. A case file read back may have been damaged or shaped
    /// by someone else, so a null where the type has none is a JSON error, not a null.
    /// </summary>
    public static JsonSerializerOptions MakeOptions(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = indented,
        RespectNullableAnnotations = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Evidence files are read by people and tools, never embedded in HTML; control and invisible characters are escaped.
        Encoder = EvidenceJsonEncoder.Instance,
        // The change kind's letters come first: options converters win over the enum's own attribute.
        Converters =
        {
            new ChangeKindJsonConverter(),
            new JsonStringEnumConverter<Classification>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<CustodyOutcome>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<HardeningProfile>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<ProbeKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<WriteSeen>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<Severity>(JsonNamingPolicy.CamelCase),
        },
    };

    /// <summary>Indented output for files a person reads.</summary>
    public static CaseJson Indented { get; } = new(MakeOptions(true));

    /// <summary>One-line output for JSON Lines.</summary>
    public static CaseJson Compact { get; } = new(MakeOptions(false));
}
