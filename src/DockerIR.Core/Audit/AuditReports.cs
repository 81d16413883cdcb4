using System.Text;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Audit;

/// <summary>An audit's report: made from inspected containers, and written as SARIF.</summary>
public static class AuditReports
{
    /// <summary>The audit of each container, at <paramref name="time"/>, by <paramref name="toolVersion"/>.</summary>
    public static AuditReport Of(IEnumerable<ContainerInspection> containers, DateTimeOffset time, string toolVersion) =>
        new(time, toolVersion, containers.Select(c => new AuditedContainer(c.Name, c.Id, c.ImageReference, ContainerAudit.Check(c))).ToList())
        {
            Benchmark = AuditRules.Benchmark,
        };

    /// <summary>
    /// The report as SARIF 2.1.0 for code-scanning tools: every rule in the driver, one result per finding, located
    /// at the container (a logical location) and carrying the evidence and the fix.
    /// </summary>
    public static byte[] ToSarif(this AuditReport report)
    {
        using var sarif = new SarifLog($"DockerIR container audit ({AuditRules.Benchmark})", report.ToolVersion, DocsLinks.For("audit.md") ?? "https://www.cisecurity.org/benchmark/docker");
        var w = sarif.Writer;
        foreach (var rule in AuditRules.All)
        {
            sarif.BeginRule(rule.Id, Pascal(rule.Title), rule.Title, rule.Severity.SarifLevel(), DocsLinks.For("audit.md", AuditReport.DocsAnchor(rule.Id)));
            w.WriteStartObject("fullDescription");
            w.WriteString("text", $"{rule.Title}. Fix: {rule.Remediation}");
            w.WriteEndObject();
            w.WriteStartObject("help");
            w.WriteString("text", $"Fix: {rule.Remediation}. See docs/audit.md#{AuditReport.DocsAnchor(rule.Id)}.");
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("severity", rule.Severity.ToString().ToLowerInvariant());
            w.WriteString("security-severity", rule.Severity.SecuritySeverity());
            w.WriteString("benchmark", rule.Id.StartsWith(AuditReport.OwnPrefix, StringComparison.Ordinal) ? "DockerIR (not a CIS control)" : AuditRules.Benchmark);
            w.WriteEndObject();
            sarif.EndObject();
        }

        sarif.BeginResults();
        foreach (var f in report.AllFindings)
        {
            sarif.BeginResult(f.Id, f.Severity.SarifLevel(), $"{f.Container}: {f.Title} ({f.Evidence}). Fix: {f.Remediation}");
            sarif.ContainerLocation(f.Container, f.ContainerId);
            w.WriteStartObject("properties");
            w.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
            w.WriteString("evidence", f.Evidence);
            w.WriteString("containerId", f.ContainerId);
            w.WriteEndObject();
            sarif.EndObject();
        }

        return sarif.Finish();
    }

    private static string Pascal(string title)
    {
        var sb = new StringBuilder();
        foreach (var word in title.Split([' ', '(', ')', '/', ',', '-', '\''], StringSplitOptions.RemoveEmptyEntries))
        {
            sb.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
        }

        return sb.ToString();
    }
}
