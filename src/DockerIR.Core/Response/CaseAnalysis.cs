using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Extraction;
using DockerIR.Core.Triage;
using DockerIR.Core.Views;
using Serilog;

namespace DockerIR.Core.Response;

/// <summary>
/// What follows an extraction: the triage rules over the stored evidence (findings.json), then the views (timeline,
/// report). Composed here so that extraction, triage and the views stay features that do not know one another; the
/// extract verb and the runner's extract step both hand it to the extraction (<see cref="ExtractRequest.Analyse"/>).
/// </summary>
public static class CaseAnalysis
{
    /// <summary>The analysis as an extraction runs it, returning the findings (null when triage could not run).</summary>
    public static Func<ExtractedCase, CancellationToken, Task<IReadOnlyList<TriageFinding>?>> For(Actor actor, TimeProvider clock, ILogger log) =>
        async (extracted, cancellationToken) =>
        {
            var triage = await TriageAsync(extracted, actor, clock, log, cancellationToken);
            await CaseViews.TryWriteAsync(extracted.Dir, extracted.Custody, extracted.Target, clock.GetUtcNow(), log, cancellationToken, extracted.Manifest, triage);
            return triage?.Findings;
        };

    /// <summary>
    /// Runs the triage rules over the stored case and writes findings.json. Triage reads evidence, it is not
    /// evidence: when it fails, the extraction stands and the custody log says why there are no findings.
    /// </summary>
    private static async Task<TriageReport?> TriageAsync(ExtractedCase extracted, Actor actor, TimeProvider clock, ILogger log, CancellationToken cancellationToken)
    {
        var (dir, manifest, processes, custody, target) = extracted;
        try
        {
            var audit = await dir.ReadJsonAsync(AuditReport.FileName, CaseJson.Indented.AuditReport, cancellationToken);
            var sockets = await dir.ReadJsonAsync(ProcessesRecord.SocketsFile, CaseJson.Indented.SocketsRecord, cancellationToken);
            var report = await TriageScan.RunAsync(dir.Root, manifest, audit, clock.GetUtcNow(), actor.ToolVersion, cancellationToken, processes, sockets);
            await dir.WriteJsonAsync(TriageReport.FileName, report, CaseJson.Indented.TriageReport, cancellationToken);
            await custody.AppendAsync("triage.findings", target, CustodyOutcome.Succeeded, TriageScan.Summary(report.Findings), cancellationToken);
            return report;
        }
        catch (Exception e) when (e is DockerIRException or IOException or InvalidDataException or JsonException)
        {
            log.TriageFailed(e.Message);
            await custody.AppendAsync("triage.findings", target, CustodyOutcome.Failed, e.Message, cancellationToken);
            return null;
        }
    }
}
