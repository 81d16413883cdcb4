using System.Globalization;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Views;

/// <summary>
/// The human summary of a case (report.md and report.html, one document with the same sections), for the people
/// who read it rather than the bundle: the verdict first, with what the attacker did, what the response did and
/// when, and what is still open; then a picture of the breach (lifecycle, attacker and response on three lanes),
/// the findings linked to their files, each suspicious file inline (its diff, or the head of its content), the
/// processes, the configuration audit, the evidence with its hashes and full ids, and what the redeploy changed;
/// all from the case's own records.
/// </summary>
public static partial class CaseReport
{
    public const string MarkdownFile = CaseFiles.ReportMarkdownFile;
    public const string HtmlFile = CaseFiles.ReportHtmlFile;

    private const int MaxProcessRows = 300;

    /// <summary>The most processes that started after their container shown in the picture.</summary>
    private const int MaxLateProcesses = 20;
    private const int MaxEvidenceRows = 500;
    /// <summary>The most lines of one kind in the box at the top (high findings, failed steps); the sections below hold the rest.</summary>
    private const int MaxOpenItems = 12;

    /// <summary>The response's actions the picture and the verdict box show (the reads between them are in timeline.body), with their plain words.</summary>
    private static readonly Dictionary<string, string> ResponseActs = new(StringComparer.Ordinal)
    {
        ["container.pause"] = "frozen",
        ["container.unpause"] = "unfrozen",
        ["container.commit"] = "evidence image committed",
        ["container.kill"] = "killed",
        ["container.stop"] = "stopped",
        ["container.rename"] = "kept, renamed",
        ["replacement.preflight"] = "preflight",
        ["replacement.start"] = "replacement started",
        ["replacement.probe"] = "probe",
        ["extract.manifest"] = "evidence extracted",
        ["bundle.seal"] = "bundle sealed",
        ["bundle.written"] = "bundle written",
        ["bundle.signed"] = "bundle signed",
        ["contain.pause"] = "contained: paused",
        ["contain.disconnect"] = "contained: disconnected",
        ["contain.undo.connect"] = "containment undone: reconnected",
        ["contain.undo.unpause"] = "containment undone: unpaused",
    };

    /// <summary>The report as the case or bundle stands: its records, the diffs and heads of its suspicious files, and (a bundle) its own hash.</summary>
    public static async Task<(string Title, ReportDocument Document)> OfAsync(CaseContent content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var records = await CaseRecords.ReadAsync(content, null, cancellationToken);
        var contents = await ContentsAsync(content, records, cancellationToken);
        var bundleSha = content.IsBundle && CaseContent.ArchiveSum(content.Location) is { Problem: null, Expected: { } sum } ? sum : null;
        return Build(records, content.Location, now, null, contents, bundleSha);
    }

    /// <summary>The inline evidence of a case's suspicious files (none before extraction).</summary>
    public static Task<ReportContents> ContentsAsync(CaseContent content, CaseRecords records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.Manifest is { } manifest
            ? ReportContents.ReadAsync(content, manifest, [.. Notable(manifest, records.Triage).Select(e => e.Path)], cancellationToken)
            : Task.FromResult(ReportContents.None);
    }

    /// <param name="events">The timeline of these records when the caller has built it already.</param>
    /// <param name="contents">The diffs and heads of the suspicious files (<see cref="ContentsAsync"/>); without them the report says where they are.</param>
    /// <param name="bundleSha256">The bundle's own SHA-256 when the report is made from a bundle (the custody log inside it cannot hold it).</param>
    public static (string Title, ReportDocument Document) Build(CaseRecords records, string location, DateTimeOffset now, List<TimelineEvent>? events = null,
        ReportContents? contents = null, string? bundleSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        var record = records.Case ?? throw new DockerIRException(FailureKind.NotFound, $"{location} has no {CaseDirectory.CaseFile}: it is not a case");
        var (manifest, triage, audit, custody) = (records.Manifest, records.Triage, records.Audit, records.Custody);
        events ??= Timeline.Build(manifest, records.Inspect, custody, records.Processes);
        contents ??= ReportContents.None;

        var notable = Notable(manifest, triage);
        var anchors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (e, i) in notable.Take(ReportContents.MaxFiles).Select((e, i) => (e, i)))
        {
            anchors[e.Path] = $"file-{i + 1}";
        }

        var findings = (triage?.Findings ?? []).OrderByDescending(f => f.Severity).ToList();
        var auditIds = new HashSet<string>((audit?.AllFindings ?? []).Select(f => f.Id), StringComparer.Ordinal);
        var pids = new HashSet<int>((records.Processes?.Processes ?? []).Take(MaxProcessRows).Select(p => p.HostPid));
        var links = new Links(anchors, findings, auditIds, pids);

        var title = $"DockerIR incident report: {record.Container.Name}";
        var doc = new ReportDocument().H(1, title)
            .P($"Case {record.CaseId}, opened {Stamp(record.OpenedUtc)} with DockerIR {record.ToolVersion} on {record.Engine}. This report was written {Stamp(now)}. Times are UTC.");
        Glance(doc, records, notable, links, contents, bundleSha256);
        doc.Toc();
        Breach(doc, events, records, notable, links);
        Findings(doc, triage, findings, links);
        Changes(doc, notable, links, contents, manifest is not null);
        Processes(doc, records.Processes, records.Sockets);
        AuditSection(doc, audit);
        Evidence(doc, record, manifest, custody, bundleSha256);
        Redeploy(doc, records.Plan, custody);
        return (title, doc);
    }

    /// <summary>Where the report links: a file's section, a finding's row, an audit finding's row, a process's row.</summary>
    private sealed partial class Links(Dictionary<string, string> files, List<TriageFinding> findings, HashSet<string> auditIds, HashSet<int> pids)
    {
        public List<TriageFinding> Findings => findings;

        public string? File(string? path) => path is not null && files.TryGetValue(path, out var id) ? "#" + id : null;

        public string? FileId(string path) => files.GetValueOrDefault(path);

        public static string FindingId(int index) => $"finding-{index + 1}";

        public static string AuditId(string id) => $"cis-{id}";

        public static string ProcessId(int hostPid) => $"pid-{hostPid}";

        /// <summary>A process's row in the processes' table, or the section when the table does not hold it.</summary>
        public string Process(int? hostPid) => hostPid is { } p && pids.Contains(p) ? "#" + ProcessId(p) : "#processes";

        /// <summary>
        /// Where a finding's subject is: a process finding's process row (its reason starts "pid N"; the connections
        /// table for one about a connection), its file's section, or the audit's row for a container finding.
        /// </summary>
        public string? Subject(TriageFinding f)
        {
            if (f.Family == FindingFamilies.Process)
            {
                var pid = LeadingPid().Match(f.Why);
                return Process(pid.Success && int.TryParse(pid.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null);
            }

            return f.Path is not null ? File(f.Path)
                : f.Rule.StartsWith(FindingFamilies.Container + ".", StringComparison.Ordinal) && auditIds.Contains(f.Rule[(FindingFamilies.Container.Length + 1)..])
                    ? "#" + AuditId(f.Rule[(FindingFamilies.Container.Length + 1)..])
                    : null;
        }

        [System.Text.RegularExpressions.GeneratedRegex("^pid ([0-9]{1,9}) ")]
        private static partial System.Text.RegularExpressions.Regex LeadingPid();
    }

    /// <summary>
    /// The change-set entries the report tells about: suspicious ones (but the parents of suspicious ones) and every
    /// file a finding names; those a finding names first, each group by modification time (the attacker's order, as
    /// the layer recorded it), so the report's room (inline sections, marks) goes to them first.
    /// </summary>
    private static List<ManifestEntry> Notable(Manifest? manifest, TriageReport? triage)
    {
        var named = new HashSet<string>((triage?.Findings ?? []).Where(f => f.Path is not null).Select(f => f.Path!), StringComparer.Ordinal);
        return [.. (manifest?.Entries ?? [])
            .Where(e => named.Contains(e.Path) || (e.Classification == Classification.Suspicious && !ChangeClassifier.IsParentOnly(e.Reasons)))
            .OrderBy(e => named.Contains(e.Path) ? 0 : 1)
            .ThenBy(e => Timeline.SideOf(e) is { } r ? Timeline.TicksOf(r) : 0)
            .ThenBy(e => e.Path, StringComparer.Ordinal)];
    }

    private static void Glance(ReportDocument doc, CaseRecords records, List<ManifestEntry> notable, Links links, ReportContents contents, string? bundleSha256)
    {
        var triage = records.Triage;
        var high = links.Findings.Where(f => f.Severity == Severity.High).ToList();
        var fileFindings = links.Findings.Where(f => f.Family != FindingFamilies.Container).ToList();
        var (css, headline) = triage is null
            ? ("unknown", "Not triaged yet: extract the case to see what changed ('dockerir extract CASE')")
            : fileFindings.Any(f => f.Severity == Severity.High) ? ("compromised", "Compromised: " + Sentence(fileFindings.Where(f => f.Severity == Severity.High)))
            : fileFindings.Count > 0 ? ("suspicious", $"Suspicious: {fileFindings.Count} findings to review, none of high severity ({string.Join(", ", fileFindings.Select(f => f.Path ?? f.Rule).Distinct().Take(5))})")
            : ("clean", $"No sign of compromise found: triage's rules matched nothing in the {triage.EntriesScanned} changes");

        // Findings are in severity order, so the high ones are the first rows (finding-1 ...).
        var attacker = high.Take(MaxOpenItems).Select((f, i) => new ReportCell($"{f.Path ?? "the container"}: {f.Why}") { Href = "#" + Links.FindingId(i) }).ToList();
        if (high.Count > MaxOpenItems)
        {
            attacker.Add(new ReportCell($"... {high.Count - MaxOpenItems} more high findings") { Href = "#findings" });
        }

        if (attacker.Count == 0)
        {
            attacker.Add(triage is null ? "not known yet" : "no finding of high severity");
        }

        var groups = new List<(string, IReadOnlyList<ReportCell>)>
        {
            (high.Count > 0 ? $"High findings ({high.Count})" : "High findings", attacker),
            ("What the response did", Done(records, bundleSha256)),
            ("Still open", Open(records, notable, contents)),
        };
        doc.H(2, "At a glance", "at-a-glance").Box(css, "verdict", headline, groups);
    }

    /// <summary>The verdict in plain words: what each family of high findings says happened, naming the files.</summary>
    private static string Sentence(IEnumerable<TriageFinding> high)
    {
        static string Files(IEnumerable<TriageFinding> g) => string.Join(", ", g.Select(f => f.Path ?? "").Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).Take(4));
        var parts = high.GroupBy(f => f.Family).Select(g => g.Key switch
        {
            "web-shell" => $"a web shell was dropped ({Files(g)})",
            "defacement" => $"the front page was defaced ({Files(g)})",
            "executable" => $"a program was planted ({Files(g)})",
            "persistence" => $"persistence was set up ({Files(g)})",
            "tampering" => $"logs were tampered with ({Files(g)})",
            "process" => $"a suspicious process ran ({string.Join("; ", g.Select(f => f.Excerpt).Distinct().Take(2))})",
            _ => $"{g.Key} ({Files(g)})",
        }).ToList();
        return parts.Count == 1 ? parts[0] : string.Join(", ", parts[..^1]) + " and " + parts[^1];
    }

    private static List<ReportCell> Done(CaseRecords records, string? bundleSha256)
    {
        var custody = records.Custody;
        var opened = records.Case?.OpenedUtc ?? default;
        string Clock(DateTimeOffset time) => CaseReport.Clock(time, opened);
        var done = new List<ReportCell>();
        CustodyRecord? Last(string action, CustodyOutcome? outcome = CustodyOutcome.Succeeded) =>
            custody.LastOrDefault(r => r.Action == action && (outcome is null || r.Outcome == outcome));
        var pause = Last("container.pause");
        if (pause is not null)
        {
            done.Add($"Frozen at {Clock(pause.TimeUtc)} (paused before anything else was read)");
        }

        if (records.Case?.Snapshot is { } s)
        {
            done.Add(new ReportCell($"Evidence image {s.EvidenceImageTag} ({Short(s.EvidenceImageId)}) committed at {Clock(s.CommittedUtc)}: {s.ChangeCount} changes, {s.SuspiciousCount} suspicious")
            {
                Title = s.EvidenceImageId,
            });
        }

        if (Last("container.unpause") is { } unpause)
        {
            done.Add($"Unfrozen at {Clock(unpause.TimeUtc)}: the suspect ran on after the snapshot");
        }

        var kill = Last("container.kill");
        if (kill is not null)
        {
            var rename = Last("container.rename");
            done.Add($"Killed at {Clock(kill.TimeUtc)}{(rename?.Detail is { } d ? $"; {d}" : "")}");
        }

        foreach (var c in custody.Where(r => r.Action.StartsWith("contain.", StringComparison.Ordinal) && r.Outcome == CustodyOutcome.Succeeded))
        {
            done.Add($"{ResponseActs.GetValueOrDefault(c.Action, c.Action)} at {Clock(c.TimeUtc)}");
        }

        var start = Last("replacement.start");
        if (start is not null)
        {
            var readOnly = records.Plan?.Replacement.HostConfig.ReadonlyRootfs == true;
            done.Add(new ReportCell($"Relaunched {(readOnly ? "read-only " : "")}from the original image{(records.Plan is { } p ? $" {p.ImageReference}" : "")} at {Clock(start.TimeUtc)}, replacement {ShortIds(start.Target)}")
            {
                Title = start.Target,
            });
        }

        var probe = custody.LastOrDefault(r => r.Action == "replacement.probe" && r.Outcome is CustodyOutcome.Succeeded or CustodyOutcome.Failed);
        if (probe is not null)
        {
            done.Add($"Probe {(probe.Outcome == CustodyOutcome.Succeeded ? "passed" : "FAILED")} at {Clock(probe.TimeUtc)}: {probe.Detail}");
        }

        if (pause is not null && probe is { Outcome: CustodyOutcome.Succeeded } && kill is not null)
        {
            done.Add($"Downtime {Seconds(probe.TimeUtc - pause.TimeUtc)}: from the freeze to the replacement's first passing probe");
        }
        else if (pause is not null && kill is null && Last("container.unpause") is { } u)
        {
            done.Add($"Frozen for {Seconds(u.TimeUtc - pause.TimeUtc)}");
        }

        if (Last("extract.manifest") is { } extracted)
        {
            done.Add($"Evidence extracted at {Clock(extracted.TimeUtc)}: {records.Manifest?.Entries.Count ?? 0} entries, {(records.Manifest?.Complete == true ? "complete" : "NOT complete")}");
        }

        var sealing = Last("bundle.start", CustodyOutcome.Started);
        if (Last("bundle.seal") is null && sealing is not null && !custody.Any(r => r.Action.StartsWith("bundle.", StringComparison.Ordinal) && r.Outcome == CustodyOutcome.Failed && r.TimeUtc >= sealing.TimeUtc))
        {
            // Written by the bundle step itself, just before the seal: this report is inside that bundle.
            done.Add($"Sealing into {Path.GetFileName(sealing.Target)} began at {Clock(sealing.TimeUtc)}; this report is sealed in it, and the bundle's SHA-256 is recorded after sealing (beside it, in its .sha256)");
        }

        if (Last("bundle.seal") is { } seal)
        {
            var sha = bundleSha256 ?? custody.Where(r => r.Action == "bundle.written" && r.Outcome == CustodyOutcome.Succeeded)
                .Select(r => r.Detail is { } d && d.StartsWith("sha256 ", StringComparison.Ordinal) && d.Length >= 71 ? d[7..71] : null).LastOrDefault(x => x is not null);
            done.Add(new ReportCell($"Sealed at {Clock(seal.TimeUtc)} into {Path.GetFileName(seal.Target)}, " + (sha is null
                ? "whose SHA-256 is written after sealing (custody-after-seal.jsonl and the bundle's .sha256)"
                : $"SHA-256 {Short(sha)}"))
            {
                Title = sha,
            });
        }

        if (done.Count == 0)
        {
            done.Add("Nothing recorded yet");
        }

        return done;
    }

    private static List<ReportCell> Open(CaseRecords records, List<ManifestEntry> notable, ReportContents contents)
    {
        var custody = records.Custody;
        var opened = records.Case?.OpenedUtc ?? default;
        string Clock(DateTimeOffset time) => CaseReport.Clock(time, opened);
        var open = new List<ReportCell>();
        if (records.Case?.Snapshot is null)
        {
            open.Add("No evidence image was committed: the snapshot did not finish ('dockerir snapshot' or 'respond --resume')");
        }

        if (records.Manifest is null)
        {
            open.Add("The evidence is not extracted yet: the evidence image holds it ('dockerir extract CASE')");
        }
        else if (!records.Manifest.Complete)
        {
            open.Add($"The evidence is NOT complete: {records.Manifest.Gaps.Count} gaps ({string.Join("; ", records.Manifest.Gaps.Take(3))})");
        }

        if (records.Triage is null && records.Manifest is not null)
        {
            open.Add("Triage has not run ('dockerir extract CASE' runs it)");
        }

        if (!custody.Any(r => r.Action is "bundle.seal" or "bundle.start"))
        {
            open.Add("Not sealed into a bundle yet ('dockerir bundle CASE')");
        }

        var failed = custody.Where(r => r.Outcome is CustodyOutcome.Failed or CustodyOutcome.Interrupted).ToList();
        foreach (var r in failed.Take(MaxOpenItems))
        {
            open.Add(new ReportCell($"{r.Action} {r.Outcome.ToString().ToLowerInvariant()} at {Clock(r.TimeUtc)}: {ShortIds(r.Detail ?? "")}") { Title = r.Detail });
        }

        if (failed.Count > MaxOpenItems)
        {
            open.Add($"... {failed.Count - MaxOpenItems} more failed steps in the custody log");
        }

        var contained = custody.Any(r => r.Outcome == CustodyOutcome.Succeeded
            && (r.Action is "container.kill" or "container.stop" || r.Action.StartsWith("contain.", StringComparison.Ordinal)) && !r.Action.StartsWith("contain.undo", StringComparison.Ordinal));
        if (!contained && records.Case is { } c)
        {
            open.Add(c.Snapshot is { LeftPaused: true } && !custody.Any(r => r.Action == "container.unpause" && r.Outcome == CustodyOutcome.Succeeded)
                ? $"The suspect {c.Container.Name} is frozen (left paused by the snapshot), not replaced: it serves nothing until 'dockerir redeploy CASE' relaunches it read-only"
                : $"The suspect {c.Container.Name} was not killed or contained by this case ({c.Container.StateAtSnapshot} at the snapshot): 'dockerir redeploy CASE' relaunches it read-only");
        }

        foreach (var gap in records.Processes?.Gaps.Take(3) ?? [])
        {
            open.Add($"Processes: {gap}");
        }

        open.AddRange(contents.Problems.Select(ReportCell.FromString));
        if (notable.Count > ReportContents.MaxFiles)
        {
            open.Add($"{notable.Count - ReportContents.MaxFiles} more suspicious files than the report shows inline: the evidence table and manifest.json list them");
        }

        if (open.Count == 0)
        {
            open.Add("Nothing: the evidence is complete and sealed, and the suspect was replaced");
        }

        return open;
    }

    private static void Breach(ReportDocument doc, List<TimelineEvent> events, CaseRecords records, List<ManifestEntry> notable, Links links)
    {
        var marks = new List<ChartMark>();
        // The container's own lifecycle from its inspect.
        foreach (var e in events.Where(e => e.Source == "container"))
        {
            marks.Add(new ChartMark(ChartMark.Lifecycle, e.Ticks, e.Kind, e.Name));
        }

        // A process that started well after the container did (a shell spawned by a web shell, a 'docker exec') is
        // part of the story; the service's own processes start with the container and stay in the processes' table.
        if (events.LastOrDefault(e => e.Source == "container" && e.Kind == "started") is { } containerStart)
        {
            var late = (records.Processes?.Processes ?? []).Where(p => p.StartedUtc is { } t && t.UtcTicks > containerStart.Ticks + (2 * TimeSpan.TicksPerSecond));
            foreach (var p in late.OrderBy(p => p.StartedUtc!.Value.UtcTicks).Take(MaxLateProcesses))
            {
                var command = string.Join(' ', p.Cmdline);
                marks.Add(new ChartMark(ChartMark.Lifecycle, p.StartedUtc!.Value.UtcTicks, $"pid {p.HostPid}: {command}",
                    $"process started: [pid {p.HostPid}] {command} ({p.Exe}{(p.ExeDeleted ? " (deleted)" : "")})")
                {
                    Href = links.Process(p.HostPid),
                });
            }
        }

        foreach (var e in notable)
        {
            var side = Timeline.SideOf(e);
            var name = e.Path[(e.Path.LastIndexOf('/') + 1)..] + (e.Kind == ChangeKind.Deleted ? " (deleted)" : "");
            marks.Add(new ChartMark(ChartMark.Attacker, side is null ? 0 : Timeline.TicksOf(side), name,
                $"{e.Kind.ToString().ToLowerInvariant()} {e.Path}, modified {side?.Mtime ?? "(unknown)"}{(side?.Sha256 is { } h ? ", sha256 " + h : "")}")
            {
                Href = links.File(e.Path),
            });
        }

        foreach (var r in records.Custody)
        {
            if (ResponseActs.TryGetValue(r.Action, out var what) && r.Outcome is not CustodyOutcome.Started and not CustodyOutcome.Skipped)
            {
                var outcome = r.Action is "replacement.preflight" or "replacement.probe"
                    ? r.Outcome == CustodyOutcome.Succeeded ? " passed" : " failed"
                    : r.Outcome == CustodyOutcome.Succeeded ? "" : $" ({r.Outcome.ToString().ToLowerInvariant()})";
                marks.Add(new ChartMark(ChartMark.Response, r.TimeUtc.UtcTicks, what + outcome, $"{r.Action} {r.Outcome.ToString().ToLowerInvariant()}: {r.Detail}"));
            }
        }

        // Within the picture's room: every lifecycle and response mark, and as many of the attacker's as fit, those
        // a finding names first, then the earliest (a change set of thousands would otherwise crowd out the response).
        var total = marks.Count;
        var attackerMarks = marks.Where(m => m.Lane == ChartMark.Attacker).ToList();
        if (total > ReportChart.MaxMarks)
        {
            // The attacker's marks are in the notable files' order: those a finding names first, then by time.
            var others = marks.Where(m => m.Lane != ChartMark.Attacker).Take(ReportChart.MaxMarks / 2).ToList();
            var kept = attackerMarks.Take(ReportChart.MaxMarks - others.Count);
            marks = [.. others, .. kept];
        }

        // Stable: marks of one instant keep the order above (lifecycle, attacker, response).
        marks = [.. marks.OrderBy(m => m.Ticks).Select((m, i) => m with { Number = i + 1 })];
        doc.H(2, "Timeline of the breach", "timeline")
            .P("The container's lifecycle, the attacker's changes (each suspicious file at its modification time in the container, to the nanosecond; an attacker can fake it, the file's section shows its ctime) "
                + "and the response's actions, in time order; the numbers match the table. Every event, the reads between them included, is in timeline.body ('dockerir timeline CASE').");
        if (marks.Count == 0)
        {
            doc.P("No event recorded yet.");
            return;
        }

        doc.Chart(marks);
        if (marks.Count < total)
        {
            doc.P($"The picture and the table show {marks.Count} of the {total} events: {marks.Count(m => m.Lane == ChartMark.Attacker)} of the {attackerMarks.Count} suspicious changes "
                + "(those a finding names first, then the earliest); timeline.body lists every one.");
        }

        // One day: its date in the header, the times alone in the rows (they fit their column).
        var days = marks.Select(m => Precise(m.Ticks)[..10]).Distinct(StringComparer.Ordinal).ToList();
        doc.Table(["#", days.Count == 1 ? $"time (UTC, {days[0]})" : "time (UTC)", "lane", "what", "detail"],
            marks.Select(m => new ReportRow(
            [
                m.Number.ToString(CultureInfo.InvariantCulture),
                new ReportCell(days.Count == 1 ? Precise(m.Ticks)[11..] : Precise(m.Ticks)) { Code = true },
                m.Lane,
                new ReportCell(m.Label) { Href = m.Href },
                new ReportCell(ShortIds(m.Detail)) { Title = m.Detail == ShortIds(m.Detail) ? null : m.Detail },
            ]) { Css = m.Lane == ChartMark.Attacker ? "high" : null }),
            ["3.2em", "9.5em", "6.5em", "20%", null]);
    }

    private static void Findings(ReportDocument doc, TriageReport? triage, List<TriageFinding> findings, Links links)
    {
        doc.H(2, "Findings", "findings");
        if (triage is null)
        {
            doc.P("Triage has not run on this case (it runs during 'dockerir extract').");
            return;
        }

        doc.P($"{findings.Count} findings from {triage.Rules.Count} rules over {triage.EntriesScanned} entries ({triage.FilesRead} files read); each links to its file's section (or to the audit for the container's configuration).");
        doc.Table(["severity", "rule", "file", "matched", "why"],
            findings.Select((f, i) => new ReportRow(
            [
                Badge(f.Severity),
                new ReportCell(f.Rule) { Code = true },
                new ReportCell(f.Path ?? "(container)") { Href = links.Subject(f), Code = f.Path is not null },
                f.Excerpt,
                f.Why,
            ]) { Css = Css(f.Severity), Id = Links.FindingId(i) }),
            ["6.5em", "17%", "19%", "25%", null]);
    }

    /// <summary>Each suspicious file inline: what it is, its hashes and times, the findings about it, and its diff or the head of its content.</summary>
    private static void Changes(ReportDocument doc, List<ManifestEntry> notable, Links links, ReportContents contents, bool extracted)
    {
        doc.H(2, "What changed", "changes");
        if (!extracted)
        {
            doc.P("Not extracted yet: the evidence image holds the change set ('dockerir extract CASE').");
            return;
        }

        if (notable.Count == 0)
        {
            doc.P("No suspicious change and no finding about a file: the evidence table lists every stored file.");
            return;
        }

        var findingsByPath = links.Findings.Select((f, i) => (f, i)).Where(x => x.f.Path is not null)
            .GroupBy(x => x.f.Path!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        doc.P($"{notable.Count} suspicious files, those a finding names first, each group by modification time; each with its hash, type and mode, and its diff against the image's original or the head of its content (escaped: nothing in it runs).");
        foreach (var e in notable.Take(ReportContents.MaxFiles))
        {
            var side = Timeline.SideOf(e);
            doc.H(3, e.Path, links.FileId(e.Path));
            var preview = contents.Previews.GetValueOrDefault(e.Path);
            doc.Table(["change", "type", "mode", "uid:gid", "size", "modified (mtime)", "status changed (ctime)"],
                [new ReportRow(
                [
                    e.Kind.ToString().ToLowerInvariant(),
                    side?.Type is "file" && preview is not null ? $"file: {preview.Type}" : side?.Type ?? "unknown",
                    new ReportCell(side?.Mode ?? "") { Code = true },
                    $"{side?.Uid}:{side?.Gid}",
                    side?.Size is { } size ? $"{size} B" : "",
                    new ReportCell(side?.Mtime ?? "") { Code = true },
                    new ReportCell(side?.Ctime ?? "not recorded") { Code = true },
                ])],
                ["6em", "15%", "4.5em", "5.5em", "5.5em", null, null]);
            var about = findingsByPath.GetValueOrDefault(e.Path) ?? [];
            var line = new List<ReportCell> { $"sha256 {side?.Sha256 ?? "(not stored)"}" };
            if (e.Kind == ChangeKind.Changed && e.Before?.Sha256 is { } was)
            {
                line.Add($"; the original's sha256 {was}");
            }

            line.Add($". Why it is suspicious: {string.Join(", ", e.Reasons)}.");
            if (about.Count > 0)
            {
                line.Add(" Findings: ");
                for (var k = 0; k < about.Count; k++)
                {
                    line.Add(new ReportCell(about[k].f.Rule) { Href = "#" + Links.FindingId(about[k].i) });
                    line.Add(k < about.Count - 1 ? ", " : ".");
                }
            }

            doc.P(line);
            if (contents.Diffs.TryGetValue(e.Path, out var diff))
            {
                doc.P($"Diff against the image's original ({e.ContentChange ?? "changed"}):").Code(diff, CodeKind.Diff);
            }
            else if (preview is { HashMatches: false })
            {
                doc.P("Its stored content does NOT match the manifest's hash: not shown; 'dockerir verify' says what was altered.");
            }
            else if (preview is not null)
            {
                doc.P(preview.IsText
                    ? $"Its first lines ({preview.Size} bytes in all{(preview.HashMatches == true ? ", content checked against the sha256" : "")}):"
                    : $"Its first {Math.Min(preview.Head.Length, 256)} bytes, in hex ({preview.Size} bytes in all{(preview.HashMatches == true ? ", content checked against the sha256" : "")}):")
                    .Code(ReportContents.Show(preview), preview.IsText ? CodeKind.Text : CodeKind.Hex);
            }
            else if (e.Kind == ChangeKind.Deleted)
            {
                doc.P(e.Before?.Sha256 is null ? "Deleted; its original is not stored." : "Deleted; its original is stored in before.tar ('dockerir show CASE PATH --before').");
            }
            else if (side?.NotStored is { } why)
            {
                doc.P($"Its content is not stored: {why}.");
            }
            else if (side?.Type is "file" or "hardLink")
            {
                doc.P("Its content is in after.tar ('dockerir show CASE PATH').");
            }
        }
    }

    private static void Processes(ReportDocument doc, ProcessesRecord? processes, SocketsRecord? sockets)
    {
        doc.H(2, "Processes and connections", "processes");
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
                processes.Processes.Take(MaxProcessRows).Select(p => new ReportRow(
                [
                    p.HostPid.ToString(CultureInfo.InvariantCulture),
                    p.ContainerPid?.ToString(CultureInfo.InvariantCulture) ?? "",
                    p.Uids.Count > 0 ? p.Uids[0].ToString(CultureInfo.InvariantCulture) : "",
                    p.StartedUtc is { } t ? new ReportCell(Precise(t.UtcTicks)[..23]) { Code = true } : "",
                    new ReportCell((p.Exe ?? "") + (p.ExeDeleted ? " (deleted)" : "")) { Code = true },
                    string.Join(' ', p.Cmdline),
                ]) { Css = p.ExeDeleted ? "high" : null, Id = Links.ProcessId(p.HostPid) }),
                ["4.5em", "6.5em", "4.5em", "13em", "20%", null]);
        var connections = (sockets?.Sockets ?? []).Where(s => s.Protocol != "unix").ToList();
        if (connections.Count > 0)
        {
            doc.Table(["protocol", "state", "local", "remote", "held by"], connections.Take(MaxProcessRows).Select(s => ((string?)null, new[]
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
        doc.H(2, "Configuration audit", "audit");
        var findings = audit?.AllFindings.OrderByDescending(f => f.Severity).ToList();
        if (findings is null)
        {
            doc.P("No audit was recorded with the snapshot.");
            return;
        }

        doc.P($"{findings.Count} findings against the CIS Docker Benchmark's runtime concerns, from the container's inspect at the snapshot.")
            .Table(["severity", "id", "finding", "evidence", "fix"],
                findings.Select(f => new ReportRow(
                [
                    Badge(f.Severity), f.Id, f.Title, f.Evidence, f.Remediation,
                ]) { Css = Css(f.Severity), Id = Links.AuditId(f.Id) }),
                ["6.5em", "6.5em", "22%", null, "26%"]);
    }

    /// <summary>The container, the image and the evidence with their full ids and every stored file's hash.</summary>
    private static void Evidence(ReportDocument doc, CaseRecord record, Manifest? manifest, IReadOnlyList<CustodyRecord> custody, string? bundleSha256)
    {
        doc.H(2, "Evidence", "evidence");
        var bundle = custody.LastOrDefault(r => r.Action == "bundle.written" && r.Outcome == CustodyOutcome.Succeeded);
        var rows = new List<(string? Css, string[] Cells)>
        {
            (null, ["container", $"{record.Container.Name} ({record.Container.Id})"]),
            (null, ["image", $"{record.Container.ImageReference} ({record.Container.ImageId})"]),
            (null, ["state at snapshot", record.Container.StateAtSnapshot]),
            (null, ["evidence image", record.Snapshot is { } s ? $"{s.EvidenceImageTag} ({s.EvidenceImageId}), committed {Stamp(s.CommittedUtc)}" : "none: no snapshot was committed"]),
            (null, ["change set", record.Snapshot is { } s2 ? $"{s2.ChangeCount} entries, {s2.SuspiciousCount} suspicious" : "not recorded"]),
        };
        if (bundleSha256 is not null || bundle is not null)
        {
            rows.Add((null, ["bundle", bundleSha256 is not null ? $"sha256 {bundleSha256} (from its .sha256)" : $"{bundle!.Target}: {bundle.Detail}"]));
        }

        doc.Table(["", ""], rows, ["18%", null]);
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
            stored.Take(MaxEvidenceRows).Select(x => new ReportRow(
            [
                new ReportCell(x.e.Path) { Code = true }, x.e.Kind.ToString(), x.Side, x.R!.Type, (x.R.Size ?? 0).ToString(CultureInfo.InvariantCulture),
                new ReportCell(x.R.Sha256!) { Code = true },
            ])),
            [null, "6em", "4.5em", "4.5em", "5em", "40%"]);
        if (stored.Count > MaxEvidenceRows)
        {
            doc.P($"... {stored.Count - MaxEvidenceRows} more stored files in manifest.json.");
        }
    }

    private static void Redeploy(ReportDocument doc, RedeployPlan? plan, IReadOnlyList<CustodyRecord> custody)
    {
        doc.H(2, "Containment and redeploy", "redeploy");
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
                doc.Table(["severity", "id", "finding"], plan.Fixes.OrderByDescending(f => f.Severity).Select(f => new ReportRow(
                    [Badge(f.Severity), new ReportCell(f.Id) { Href = "#" + Links.AuditId(f.Id) }, f.Title])),
                    ["6.5em", "6.5em", null]);
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
            actions.Select(r => new ReportRow(
            [
                new ReportCell(Precise(r.TimeUtc.UtcTicks)) { Code = true }, new ReportCell(r.Action) { Code = true }, r.Outcome.ToString().ToLowerInvariant(),
                new ReportCell(ShortIds(r.Target)) { Title = r.Target }, new ReportCell(ShortIds(r.Detail ?? "")) { Title = r.Detail },
            ])),
            ["15%", "17%", "6.5em", "20%", null]);
    }

    /// <summary>A severity as the page shows it: its name in a badge of its class (the row's class is the same).</summary>
    private static ReportCell Badge(Severity severity) => new(severity.ToString()) { Badge = Css(severity) };

    private static string Css(Severity severity) => severity.ToString().ToLowerInvariant();

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A time of the response, to the millisecond; with its date when it is not the day the case was opened (the first line's date).</summary>
    private static string Clock(DateTimeOffset time, DateTimeOffset opened) =>
        time.UtcDateTime.ToString(time.UtcDateTime.Date == opened.UtcDateTime.Date ? "HH:mm:ss.fff" : "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>An instant to the microsecond, as the timeline table shows it.</summary>
    private static string Precise(long ticks) => ReportChart.UtcOf(ticks).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s";

    /// <summary>A long id (an image digest, a container id) as its first 12 hex digits.</summary>
    private static string Short(string id)
    {
        var hex = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return hex.Length > 12 && hex.All(char.IsAsciiHexDigit) ? hex[..12] + "…" : id;
    }

    /// <summary>Every 64-hex-digit id in a text shortened to its first 12 (the full value is on hover and in the evidence section).</summary>
    private static string ShortIds(string text) => LongId().Replace(text, m => m.Value[..12] + "…");

    [System.Text.RegularExpressions.GeneratedRegex("(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")]
    private static partial System.Text.RegularExpressions.Regex LongId();
}
