using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Response;
using DockerIR.Core.Snapshot;

namespace DockerIR.Core;

/// <summary>
/// Source-generated JSON for everything Core writes into a case or prints for scripts. A case file read back may
/// have been damaged or shaped by someone else, so a null where the type has none is a JSON error, not a null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CustodyRecord))]
[JsonSerializable(typeof(CaseRecord))]
[JsonSerializable(typeof(ClassifiedChange))]
[JsonSerializable(typeof(IReadOnlyList<ClassifiedChange>))]
[JsonSerializable(typeof(SnapshotResult))]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(FileRecord))]
[JsonSerializable(typeof(ProcessesRecord))]
[JsonSerializable(typeof(SocketsRecord))]
[JsonSerializable(typeof(MemoryIndex))]
[JsonSerializable(typeof(ProcessView))]
[JsonSerializable(typeof(BundleResult))]
[JsonSerializable(typeof(VerifyResult))]
[JsonSerializable(typeof(DockerIR.Core.Extraction.ExtractResult))]
[JsonSerializable(typeof(DockerIR.Core.Case.RedeployPlan))]
[JsonSerializable(typeof(DockerIR.Core.Redeploy.RedeployResult))]
[JsonSerializable(typeof(DockerIR.Core.Case.WriteProfile))]
[JsonSerializable(typeof(DockerIR.Core.Redeploy.CachedWriteProfile))]
[JsonSerializable(typeof(DockerIR.Core.Case.AuditReport))]
[JsonSerializable(typeof(DockerIR.Core.Hunt.HuntReport))]
[JsonSerializable(typeof(DockerIR.Core.Case.TriageReport))]
[JsonSerializable(typeof(DockerIR.Core.Views.TimelineEvent))]
[JsonSerializable(typeof(DockerIR.Core.Redeploy.ServicePlan))]
[JsonSerializable(typeof(DockerIR.Core.Redeploy.ServiceRedeployResult))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(DockerIR.Core.Redeploy.ContainmentRecord))]
[JsonSerializable(typeof(DockerIR.Core.Redeploy.ContainmentResult))]
[JsonSerializable(typeof(DockerIR.Core.Response.RunRecord))]
[JsonSerializable(typeof(DockerIR.Core.Response.CaseRunResult))]
[JsonSerializable(typeof(DockerIR.Core.Playbooks.PlaybookRunRecord))]
[JsonSerializable(typeof(DockerIR.Core.Playbooks.PlaybookRunResult))]
[JsonSerializable(typeof(DockerIR.Core.Views.FindingRow))]
[JsonSerializable(typeof(IReadOnlyList<DockerIR.Core.Playbooks.PlannedTarget>))]
public sealed partial class CoreJsonContext : JsonSerializerContext
{
    private static JsonSerializerOptions MakeOptions(bool indented) => new()
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
            new JsonStringEnumConverter<DockerIR.Core.Case.HardeningProfile>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<DockerIR.Core.Case.ProbeKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<DockerIR.Core.Case.WriteSeen>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<DockerIR.Core.Case.Severity>(JsonNamingPolicy.CamelCase),
        },
    };

    /// <summary>Indented output for files a person reads.</summary>
    public static CoreJsonContext Indented { get; } = new(MakeOptions(true));

    /// <summary>One-line output for JSON Lines.</summary>
    public static CoreJsonContext Compact { get; } = new(MakeOptions(false));
}
