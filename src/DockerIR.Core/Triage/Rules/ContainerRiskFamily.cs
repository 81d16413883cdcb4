using DockerIR.Core.Case;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// Container-level risks: the configuration findings of the snapshot's audit (audit.json) at medium or high
/// severity, as triage findings with no path, so one list says both what the attacker did and what let them.
/// </summary>
public static class ContainerRiskFamily
{
    public const string Family = FindingFamilies.Container;

    public static IEnumerable<TriageRule> Rules =>
        AuditRules.All.Where(r => r.Severity >= Severity.Medium).Select(r => new TriageRule(RuleId(r.Id), Family, r.Severity, r.Title));

    public static IEnumerable<TriageFinding> From(AuditReport? audit) =>
        audit is null ? [] : audit.AllFindings.Where(f => f.Severity >= Severity.Medium).Select(f =>
            new TriageFinding(RuleId(f.Id), Family, f.Severity, null, TriageText.Clip(f.Evidence), $"{f.Title} (CIS {f.Id}); fix: {f.Remediation}"));

    private static string RuleId(string auditId) => "container." + auditId;
}
