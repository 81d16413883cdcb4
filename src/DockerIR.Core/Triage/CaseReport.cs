using System.Globalization;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Evidence;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Snapshot;

namespace DockerIR.Core.Triage;

/// <summary>
/// The human summary of a case (report.md and report.html, one document): the container and image, the breach's
/// timeline, the triage findings by severity, the configuration audit, the evidence with its hashes, and what
/// the redeploy changed, all from the case's own records.
/// </summary>
public static class CaseReport
{
    public const string MarkdownFile = "report.md";
    public const string HtmlFile = "report.html";

    private const int MaxTimelineRows = 300;
    private const int MaxEvidenceRows = 500;

    public static async Task<(string Title, ReportDocument Document)> OfAsync(CaseContent content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Build(await CaseRecords.ReadAsync(content, null, cancellationToken), content.Location, now);
    }

    /// <param name="events">The timeline of these records when the caller has built it already.</param>
    public static (string Title, ReportDocument Document) Build(CaseRecords records, string location, DateTimeOffset now, List<TimelineEvent>? events = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        var record = records.Case ?? throw new DockerIRException(FailureKind.NotFound, $"{location} has no {CaseDirectory.CaseFile}: it is not a case");
        var (manifest, triage, audit, custody) = (records.Manifest, records.Triage, records.Audit, records.Custody);
        events ??= Timeline.Build(manifest, records.Inspect, custody, records.Processes);

        var title = $"DockerIR incident report: {record.Container.Name}";
        var doc = new ReportDocument().H(1, title)
            .P($"Case {record.CaseId}, opened {Stamp(record.OpenedUtc)} with DockerIR {record.ToolVersion} on {record.Engine}. This report was written {Stamp(now)}.");

        doc.H(2, "Container and image").Table(["", ""],
        [
            (null, ["container", $"{record.Container.Name} ({record.Container.Id})"]),
            (null, ["image", $"{record.Container.ImageReference} ({record.Container.ImageId})"]),
            (null, ["state at snapshot", record.Container.StateAtSnapshot]),
            (null, ["evidence image", record.Snapshot is { } s ? $"{s.EvidenceImageTag} ({s.EvidenceImageId}), committed {Stamp(s.CommittedUtc)}" : "none: no snapshot was committed"]),
            (null, ["change set", record.Snapshot is { } s2 ? $"{s2.ChangeCount} entries, {s2.SuspiciousCount} suspicious" : "not recorded"]),
        ]);

        Findings(doc, triage);
        Breach(doc, events, manifest, triage);
        Processes(doc, records.Processes, records.Sockets);
        AuditSection(doc, audit);
        Evidence(doc, manifest);
        Redeploy(doc, records.Plan, custody);
        return (title, doc);
    }

    private static void Findings(ReportDocument doc, TriageReport? triage)
    {
        doc.H(2, "Findings");
        if (triage is null)
        {
            doc.P("Triage has not run on this case (it runs during 'dockerir extract').");
            return;
        }

        doc.P($"{triage.Findings.Count} findings from {triage.Rules.Count} rules over {triage.EntriesScanned} entries ({triage.FilesRead} files read).");
        foreach (var group in triage.Findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key))
        {
            doc.H(3, $"{Name(group.Key)} ({group.Count()})").Table(["severity", "rule", "path", "matched", "why"],
                group.Select(f => ((string?)Name(group.Key).ToLowerInvariant(), new[] { Name(f.Severity), f.Rule, f.Path ?? "(container)", f.Excerpt, f.Why })));
        }
    }

    private static void Breach(ReportDocument doc, List<TimelineEvent> events, Manifest? manifest, TriageReport? triage)
    {
        var notable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in manifest?.Entries ?? [])
        {
            if (e.Classification == Classification.Suspicious && !e.Reasons.Any(r => r.StartsWith("parent-of", StringComparison.Ordinal)))
            {
                notable.Add(e.Path);
            }
        }

        foreach (var f in triage?.Findings ?? [])
        {
            if (f.Path is not null)
            {
                notable.Add(f.Path);
            }
        }

        var rows = events.Where(e => e.Source != "file" || notable.Contains(e.Name.EndsWith(" (deleted)", StringComparison.Ordinal) ? e.Name[..^10] : e.Name)).ToList();
        doc.H(2, "Timeline of the breach")
            .P($"Suspicious changes (by modification time in the container) and the container's lifecycle; {rows.Count} of {events.Count} events. The full timeline is timeline.body ('dockerir timeline CASE').")
            .Table(["time (UTC)", "what", "name", "detail"],
                rows.Take(MaxTimelineRows).Select(e => ((string?)null, new[] { e.TimeUtc, e.Source == "file" ? $"{e.Kind} {e.Mode} {e.Size} B" : e.Kind, e.Name, e.Detail ?? (e.Sha256 is { } h ? "sha256 " + h : "") })));
        if (rows.Count > MaxTimelineRows)
        {
            doc.P($"... {rows.Count - MaxTimelineRows} more events in timeline.body.");
        }
    }

    private static void Processes(ReportDocument doc, ProcessesRecord? processes, SocketsRecord? sockets)
    {
        doc.H(2, "Processes and connections");
        if (processes is null)
        {
            doc.P("The snapshot did not record processes from the host.");
            return;
        }

        if (processes.Processes.Count == 0)
        {
            doc.P($"No processes were read from the host: {string.Join("; ", processes.Gaps)}.");
            return;
        }

        var deleted = processes.Programs.Count(p => p.Deleted);
        doc.P($"{processes.Processes.Count} processes read from the engine host's /proc {(processes.WhileFrozen ? "while the container was frozen" : "while it ran")} at {Stamp(processes.CapturedUtc)}; "
            + $"{processes.Programs.Count} programs stored in {ProcessesRecord.ProgramsTar} ({deleted} deleted); 'dockerir show CASE --process PID' prints one in full.")
            .Table(["pid", "in container", "user", "started (UTC)", "program", "command"],
                processes.Processes.Take(MaxTimelineRows).Select(p => ((string?)(p.ExeDeleted ? "high" : null), new[]
                {
                    p.HostPid.ToString(CultureInfo.InvariantCulture),
                    p.ContainerPid?.ToString(CultureInfo.InvariantCulture) ?? "",
                    p.Uids.Count > 0 ? p.Uids[0].ToString(CultureInfo.InvariantCulture) : "",
                    p.StartedUtc is { } t ? Stamp(t) : "",
                    (p.Exe ?? "") + (p.ExeDeleted ? " (deleted)" : ""),
                    string.Join(' ', p.Cmdline),
                })));
        var connections = (sockets?.Sockets ?? []).Where(s => s.Protocol != "unix").ToList();
        if (connections.Count > 0)
        {
            doc.Table(["protocol", "state", "local", "remote", "held by"], connections.Take(MaxTimelineRows).Select(s => ((string?)null, new[]
            {
                s.Protocol, s.State, $"{s.LocalAddress}:{s.LocalPort}", s.RemoteAddress is null ? "" : $"{s.RemoteAddress}:{s.RemotePort}",
                string.Join(", ", s.Holders.Select(h => $"{h.HostPid} {h.Name} fd {h.Fd}")),
            })));
        }

        if (processes.Gaps.Count > 0)
        {
            doc.P($"Gaps: {string.Join("; ", processes.Gaps)}.");
        }
    }

    private static void AuditSection(ReportDocument doc, AuditReport? audit)
    {
        doc.H(2, "Configuration audit");
        var findings = audit?.AllFindings.OrderByDescending(f => f.Severity).ToList();
        if (findings is null)
        {
            doc.P("No audit was recorded with the snapshot.");
            return;
        }

        doc.P($"{findings.Count} findings against the CIS Docker Benchmark's runtime concerns, from the container's inspect at the snapshot.")
            .Table(["severity", "id", "finding", "evidence", "fix"],
                findings.Select(f => ((string?)Name(f.Severity).ToLowerInvariant(), new[] { Name(f.Severity), f.Id, f.Title, f.Evidence, f.Remediation })));
    }

    private static void Evidence(ReportDocument doc, Manifest? manifest)
    {
        doc.H(2, "Evidence");
        if (manifest is null)
        {
            doc.P("Not extracted yet: the evidence image holds the change set ('dockerir extract CASE').");
            return;
        }

        doc.P(manifest.Complete
            ? $"Complete: every one of the {manifest.Entries.Count} change-set entries is accounted for; contents are in artifacts/after.tar and artifacts/before.tar, read from {manifest.AfterSource}. SHA256SUMS covers every file of the case."
            : $"NOT complete: {manifest.Gaps.Count} gaps ({string.Join("; ", manifest.Gaps.Take(5))}).");
        var stored = new List<(ManifestEntry e, string Side, FileRecord? R)>();
        foreach (var e in manifest.Entries)
        {
            if (e.After?.Sha256 is not null)
            {
                stored.Add((e, "after", e.After));
            }

            if (e.Before?.Sha256 is not null)
            {
                stored.Add((e, "before", e.Before));
            }
        }

        // Suspicious first, then by path; a stable sort keeps after before before for one path.
        stored = [.. stored.OrderBy(x => x.e.Classification == Classification.Suspicious ? 0 : 1).ThenBy(x => x.e.Path, StringComparer.Ordinal)];
        doc.Table(["path", "change", "side", "type", "size", "sha256"],
            stored.Take(MaxEvidenceRows).Select(x => ((string?)null, new[]
            {
                x.e.Path, x.e.Kind.ToString(), x.Side, x.R!.Type, (x.R.Size ?? 0).ToString(CultureInfo.InvariantCulture), x.R.Sha256!,
            })));
        if (stored.Count > MaxEvidenceRows)
        {
            doc.P($"... {stored.Count - MaxEvidenceRows} more stored files in manifest.json.");
        }
    }

    private static void Redeploy(ReportDocument doc, RedeployPlan? plan, IReadOnlyList<CustodyRecord> custody)
    {
        doc.H(2, "Containment and redeploy");
        if (plan is not null)
        {
            var r = plan.Replacement;
            doc.H(3, "What the relaunch changes").P(
                $"{plan.SuspectName} is relaunched from its original image {plan.ImageReference} ({plan.ImageId}), never from the evidence image, with the {plan.Profile.ToString().ToLowerInvariant()} hardening profile; "
                + $"the suspect is killed and kept as {plan.QuarantineName}, but only after the replacement, started read-only as a canary, has passed its probes (the preflight). "
                + $"Read-only root filesystem: {(r.HostConfig.ReadonlyRootfs ? "yes" : "no")}; every other setting is the suspect's own but the changes below.")
                .Table(["setting", "before", "after", "why"], plan.Changes.Select(c => ((string?)null, new[] { c.Setting, c.Before, c.After, c.Reason })));
            doc.H(3, "Where the app writes").P($"Learned from {plan.WriteProfile.Method}." + string.Concat(plan.WriteProfile.Notes.Select(n => $" {n}.")))
                .Table(["path", "seen", "for example"], plan.WriteProfile.Locations.Select(l => ((string?)null, new[] { l.Path, l.Seen.ToString().ToLowerInvariant(), l.Example })))
                .Table(["writable mount", "kind", "survives a restart", "why"], plan.Writable.Select(w => ((string?)null, new[] { w.Path, w.Kind, w.SurvivesRestart ? "yes" : "no", w.Reason })));
            doc.P(plan.Fixes.Count == 0 ? "The relaunch fixes none of the audit's findings." : $"It fixes {plan.Fixes.Count} of the audit's findings:");
            if (plan.Fixes.Count > 0)
            {
                doc.Table(["severity", "id", "finding"], plan.Fixes.OrderByDescending(f => f.Severity).Select(f => ((string?)Name(f.Severity).ToLowerInvariant(), new[] { Name(f.Severity), f.Id, f.Title })));
            }

            foreach (var warning in plan.Warnings)
            {
                doc.P("Warning: " + warning);
            }
        }

        var actions = custody.Where(r => r.Action.StartsWith("redeploy.", StringComparison.Ordinal) || r.Action.StartsWith("replacement.", StringComparison.Ordinal)
            || r.Action.StartsWith("contain.", StringComparison.Ordinal) || r.Action is "container.kill" or "container.rename" or "container.stop" or "redeploy").ToList();
        if (plan is not null)
        {
            doc.H(3, "What was done");
        }

        if (!actions.Any(a => a.Action != "redeploy.plan"))
        {
            doc.P(plan is null
                ? "No containment or redeploy had been recorded when this report was written; 'dockerir report CASE' shows the current state."
                : "The relaunch had not run yet when this report was written (the evidence is sealed first); the custody log records it, and 'dockerir report CASE' shows it.");
            if (actions.Count == 0)
            {
                return;
            }
        }

        doc.Table(["time (UTC)", "action", "outcome", "target", "detail"],
            actions.Select(r => ((string?)null, new[] { Stamp(r.TimeUtc), r.Action, r.Outcome.ToString().ToLowerInvariant(), r.Target, r.Detail ?? "" })));
    }

    private static string Name(Severity severity) => severity.ToString();

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
