using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DockerIR.Core.Case;

namespace DockerIR.Core.Views;

/// <summary>
/// The records of a case the views (timeline, report) are built from, parsed; each is null or empty when the case
/// does not have it yet. A damaged record is a verification failure naming it.
/// </summary>
public sealed record CaseRecords(
    CaseRecord? Case,
    Manifest? Manifest,
    TriageReport? Triage,
    AuditReport? Audit,
    JsonElement? Inspect,
    IReadOnlyList<CustodyRecord> Custody)
{
    /// <summary>The relaunch plan recorded in the case (redeploy-plan.json), or null when no redeploy was planned.</summary>
    public RedeployPlan? Plan { get; init; }

    /// <summary>The processes read from the host at the snapshot (container/processes.json), or null.</summary>
    public ProcessesRecord? Processes { get; init; }

    /// <summary>The sockets of the container's network namespaces at the snapshot (container/sockets.json), or null.</summary>
    public SocketsRecord? Sockets { get; init; }

    public static IReadOnlyList<string> Files { get; } =
        [CaseDirectory.CaseFile, Manifest.FileName, TriageReport.FileName, AuditReport.FileName, CaseDirectory.InspectFile, CaseDirectory.CustodyFile, CaseDirectory.CustodyAfterSealFile,
            RedeployPlan.FileName,
            ProcessesRecord.FileName, ProcessesRecord.SocketsFile];

    /// <summary>Reads the records of a case directory or bundle, leaving out <paramref name="known"/> (already in memory).</summary>
    public static async Task<CaseRecords> ReadAsync(CaseContent content, IReadOnlyCollection<string>? known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var wanted = Files.Except(known ?? []).ToList();
        return Parse(await content.ReadRecordsAsync(wanted, cancellationToken), content.Location);
    }

    /// <summary>Only the triage findings of a case directory or bundle, or null when it has none yet.</summary>
    public static async Task<TriageReport?> ReadTriageAsync(CaseContent content, CancellationToken cancellationToken) =>
        (await ReadAsync(content, [.. Files.Except([TriageReport.FileName])], cancellationToken)).Triage;

    private static IReadOnlyList<CustodyRecord> CustodyOf(IReadOnlyDictionary<string, byte[]> files, string name, string location) =>
        files.TryGetValue(name, out var c) ? CustodyLog.Parse(Encoding.UTF8.GetString(c), $"{location}: {name}") : [];

    public static CaseRecords Parse(IReadOnlyDictionary<string, byte[]> files, string location)
    {
        ArgumentNullException.ThrowIfNull(files);
        JsonElement? inspect = null;
        if (files.TryGetValue(CaseDirectory.InspectFile, out var i))
        {
            try
            {
                inspect = JsonDocument.Parse(i).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw Damaged(location, CaseDirectory.InspectFile, e);
            }
        }

        return new CaseRecords(
            Json(files, CaseDirectory.CaseFile, location, CaseJson.Indented.CaseRecord),
            files.TryGetValue(Manifest.FileName, out var m) ? ManifestFile.Read(m, $"{location}: {Manifest.FileName}") : null,
            Json(files, TriageReport.FileName, location, CaseJson.Indented.TriageReport),
            Json(files, AuditReport.FileName, location, CaseJson.Indented.AuditReport),
            inspect,
            [.. CustodyOf(files, CaseDirectory.CustodyFile, location), .. CustodyOf(files, CaseDirectory.CustodyAfterSealFile, location)])
        {
            Plan = Json(files, RedeployPlan.FileName, location, CaseJson.Indented.RedeployPlan),
            Processes = Json(files, ProcessesRecord.FileName, location, CaseJson.Indented.ProcessesRecord),
            Sockets = Json(files, ProcessesRecord.SocketsFile, location, CaseJson.Indented.SocketsRecord),
        };
    }

    private static T? Json<T>(IReadOnlyDictionary<string, byte[]> files, string name, string location, JsonTypeInfo<T> type) where T : class =>
        files.TryGetValue(name, out var bytes) ? CaseContent.ParseRecord(bytes, location, name, type) : null;

    private static DockerIRException Damaged(string location, string name, JsonException e) =>
        new(FailureKind.VerificationFailed, $"{location}: {name} is corrupted: {e.Message}", e);
}
