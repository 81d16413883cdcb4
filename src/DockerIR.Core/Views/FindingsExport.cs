using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Views;

/// <summary>One finding with what a SIEM or a CI job needs beside it: the case, the container and image, the file's hash, the time.</summary>
public sealed record FindingRow(
    string CaseId,
    DateTimeOffset TimeUtc,
    string? ContainerId,
    string? ContainerName,
    string? Image,
    string Rule,
    string Family,
    Severity Severity,
    string? Path,
    string? Sha256,
    string Excerpt,
    string Why)
{
    /// <summary>A stable identity of the finding across runs (rule, path, excerpt): SARIF's partial fingerprint.</summary>
    /// <summary>True on a finding shown without checking the case's hashes (--unverified); absent otherwise.</summary>
    public bool? Unverified { get; init; }

    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Rule}\n{Path}\n{Excerpt}")))[..32];
}

/// <summary>The findings of a case in the formats machines take in: JSON Lines, CSV, SARIF 2.1.0.</summary>
public static class FindingsExport
{
    /// <summary>The rows of a triage report, each with its case, container, image and (for a file) the stored file's SHA-256.</summary>
    public static IReadOnlyList<FindingRow> Rows(TriageReport report, CaseRecord? record, Manifest? manifest)
    {
        ArgumentNullException.ThrowIfNull(report);
        var hashes = (manifest?.Entries ?? []).Where(e => e.After?.Sha256 is not null).GroupBy(e => e.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().After!.Sha256, StringComparer.Ordinal);
        return report.Findings.Select(f => new FindingRow(report.CaseId, report.TimeUtc, record?.Container.Id, record?.Container.Name,
            record?.Container.ImageReference, f.Rule, f.Family, f.Severity, f.Path, f.Path is null ? null : hashes.GetValueOrDefault(f.Path), f.Excerpt, f.Why)).ToList();
    }

    /// <summary>Marks every row as shown without checking the case's hashes (--unverified).</summary>
    public static IReadOnlyList<FindingRow> MarkUnverified(IEnumerable<FindingRow> rows) => [.. rows.Select(r => r with { Unverified = true })];

    public static string ToJsonLines(IEnumerable<FindingRow> rows) =>
        string.Concat(rows.Select(r => JsonSerializer.Serialize(r, ViewsJson.Compact.FindingRow) + "\n"));

    /// <summary>CSV; rows marked unverified add an <c>unverified</c> column that says so on every line.</summary>
    public static string ToCsv(IReadOnlyList<FindingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var marked = rows.Any(r => r.Unverified == true);
        var sb = new StringBuilder("case_id,time_utc,container_id,container_name,image,rule,family,severity,path,sha256,excerpt,why" + (marked ? ",unverified" : "") + "\n");
        foreach (var r in rows)
        {
            sb.AppendJoin(',', new[]
            {
                r.CaseId, r.TimeUtc.ToString("O", CultureInfo.InvariantCulture), r.ContainerId, r.ContainerName, r.Image, r.Rule, r.Family,
                r.Severity.ToString().ToLowerInvariant(), r.Path is null ? null : SafeText.Escape(r.Path), r.Sha256, r.Excerpt, SafeText.Escape(r.Why),
            }.Select(Timeline.Csv)).Append(marked ? (r.Unverified == true ? ",true" : ",false") : "").Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// SARIF 2.1.0 for code scanning: every rule with its full description and security-severity, every result with
    /// its file as a physical location (relative to the container's root), the container as a logical one, and a
    /// partial fingerprint so a finding is the same finding at the next upload.
    /// </summary>
    public static byte[] ToSarif(TriageReport report, IReadOnlyList<FindingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(rows);
        using var sarif = new SarifLog("DockerIR triage of a compromised container's change set", report.ToolVersion, DocsLinks.For("triage.md"));
        var w = sarif.Writer;
        foreach (var rule in report.Rules)
        {
            sarif.BeginRule(rule.Id, string.Concat(rule.Id.Split('.', '-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..])),
                $"{rule.Family}: {rule.Id}", rule.Severity.SarifLevel(), HelpUri(rule.Id));
            w.WriteStartObject("fullDescription");
            w.WriteString("text", rule.Description);
            w.WriteEndObject();
            w.WriteStartObject("help");
            w.WriteString("text", $"{rule.Description}. See docs/{HelpPage(rule.Id)}.");
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("security-severity", rule.Severity.SecuritySeverity());
            w.WriteStartArray("tags");
            w.WriteStringValue("security");
            w.WriteStringValue(rule.Family);
            w.WriteEndArray();
            w.WriteEndObject();
            sarif.EndObject();
        }

        sarif.BeginResults(run =>
        {
            run.WriteStartObject("originalUriBaseIds");
            run.WriteStartObject("CONTAINERROOT");
            run.WriteStartObject("description");
            run.WriteString("text", "The root of the container's file system");
            run.WriteEndObject();
            run.WriteEndObject();
            run.WriteEndObject();
        });
        foreach (var r in rows)
        {
            sarif.BeginResult(r.Rule, r.Severity.SarifLevel(), $"{(r.Unverified == true ? CaseContent.UnverifiedMark + ": " : "")}{r.ContainerName ?? r.ContainerId}: {r.Why} ({r.Excerpt})");
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            // A container-level finding has no file: it is located at the container's root.
            w.WriteString("uri", Uri.EscapeDataString(r.Path?.TrimStart('/') ?? ".").Replace("%2F", "/", StringComparison.Ordinal));
            w.WriteString("uriBaseId", "CONTAINERROOT");
            w.WriteEndObject();
            w.WriteEndObject();
            sarif.ContainerLocation(r.ContainerName ?? r.ContainerId ?? "container", r.ContainerId);
            w.WriteStartObject("partialFingerprints");
            w.WriteString("dockerirFinding/v1", r.Fingerprint);
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("severity", r.Severity.ToString().ToLowerInvariant());
            w.WriteString("caseId", r.CaseId);
            w.WriteString("image", r.Image);
            if (r.Unverified == true)
            {
                w.WriteBoolean("unverified", true);
            }

            if (r.Sha256 is { } sha)
            {
                w.WriteString("sha256", sha);
            }

            w.WriteEndObject();
            sarif.EndObject();
        }

        return sarif.Finish();
    }

    /// <summary>The page and anchor that document a triage rule: a container rule is the audit's, documented in audit.md.</summary>
    private static string HelpPage(string ruleId) =>
        ruleId.StartsWith(FindingFamilies.Container + ".", StringComparison.Ordinal)
            ? "audit.md#" + AuditReport.DocsAnchor(ruleId[(FindingFamilies.Container.Length + 1)..])
            : "triage.md#" + DocsLinks.TriageAnchor(ruleId);

    private static string? HelpUri(string ruleId)
    {
        var page = HelpPage(ruleId).Split('#');
        return DocsLinks.For(page[0], page[1]);
    }
}
