using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Evidence;
using Serilog;

namespace DockerIR.Core.Views;

/// <summary>
/// Writes the views derived from a case's records: timeline.body, report.md and report.html. Extraction writes
/// them first; bundling writes them again just before sealing, so the bundle's copies hold everything up to then.
/// </summary>
public static class CaseViews
{
    /// <summary>The views' writer as the bundle takes it (<see cref="Evidence.BundleWorkflow"/>): <see cref="TryWriteAsync"/> at the clock's time.</summary>
    public static Func<CaseDirectory, CustodyLog, string, CancellationToken, Task> Refresher(TimeProvider clock, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return (dir, custody, target, cancellationToken) => TryWriteAsync(dir, custody, target, clock.GetUtcNow(), log, cancellationToken);
    }

    /// <summary>
    /// Writes the views and records it in the custody log. The views read the evidence, they are not evidence:
    /// when a record is damaged the run goes on, and the custody log and the log say why the views are missing.
    /// </summary>
    public static async Task<bool> TryWriteAsync(CaseDirectory dir, CustodyLog custody, string target, DateTimeOffset now, ILogger log, CancellationToken cancellationToken,
        Manifest? manifest = null, TriageReport? triage = null)
    {
        ArgumentNullException.ThrowIfNull(custody);
        ArgumentNullException.ThrowIfNull(log);
        try
        {
            await WriteAsync(dir, now, manifest, triage, cancellationToken);
            await custody.AppendAsync("case.views", target, CustodyOutcome.Succeeded, $"{Timeline.FileName}, {CaseReport.MarkdownFile}, {CaseReport.HtmlFile}", cancellationToken);
            return true;
        }
        catch (Exception e) when (e is DockerIRException or IOException or InvalidDataException or JsonException)
        {
            log.ViewsFailed(e.Message);
            await custody.AppendAsync("case.views", target, CustodyOutcome.Failed, e.Message, cancellationToken);
            return false;
        }
    }

    /// <summary>Writes the views; a manifest or triage report already in memory is used instead of reading it back.</summary>
    public static async Task WriteAsync(CaseDirectory dir, DateTimeOffset now, Manifest? manifest, TriageReport? triage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var known = new List<string>();
        if (manifest is not null)
        {
            known.Add(Manifest.FileName);
        }

        if (triage is not null)
        {
            known.Add(TriageReport.FileName);
        }

        var read = await CaseRecords.ReadAsync(CaseContent.Open(dir.Root), known, cancellationToken);
        var records = read with { Manifest = manifest ?? read.Manifest, Triage = triage ?? read.Triage };
        var events = Timeline.Build(records.Manifest, records.Inspect, records.Custody, records.Processes);
        await dir.WriteAtomicAsync(Timeline.FileName, async (stream, ct) =>
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            Timeline.WriteBody(writer, events);
            await writer.FlushAsync(ct);
        }, cancellationToken);
        var contents = await CaseReport.ContentsAsync(CaseContent.Open(dir.Root), records, cancellationToken);
        var (title, document) = CaseReport.Build(records, dir.Root, now, events, contents);
        await dir.WriteBytesAsync(CaseReport.MarkdownFile, Encoding.UTF8.GetBytes(document.ToMarkdown()), cancellationToken);
        await dir.WriteBytesAsync(CaseReport.HtmlFile, Encoding.UTF8.GetBytes(document.ToHtml(title)), cancellationToken);
    }
}
