namespace DockerIR.Core.Case;

/// <summary>A rule a container breaks: the rule, the container, and the inspect field and value that show it.</summary>
public sealed record AuditFinding(string Id, string Title, Severity Severity, string Container, string ContainerId, string Evidence, string Remediation);

/// <summary>One container as audited: who it is and what it breaks.</summary>
public sealed record AuditedContainer(string Name, string Id, string Image, IReadOnlyList<AuditFinding> Findings);

/// <summary>An audit run: when, by which tool version, and each container's findings.</summary>
public sealed record AuditReport(DateTimeOffset TimeUtc, string ToolVersion, IReadOnlyList<AuditedContainer> Containers)
{
    public const string FileName = "audit.json";

    /// <summary>The start of the id of a check that is DockerIR's own, not a CIS control (CIS controls keep their numbers).</summary>
    public const string OwnPrefix = "DIR-";

    /// <summary>The anchor of an audit rule in docs/audit.md (ids are lower-cased: <c>cis-5.26</c>, <c>dir-capdrop</c>).</summary>
    public static string DocsAnchor(string ruleId) =>
        ruleId.StartsWith(OwnPrefix, StringComparison.Ordinal) ? ruleId.ToLowerInvariant() : "cis-" + ruleId;

    /// <summary>The benchmark its ids are from (the audit's benchmark); null in a report an older dockerir wrote, whose ids were shifted by one.</summary>
    public string? Benchmark { get; init; }

    public IEnumerable<AuditFinding> AllFindings => Containers.SelectMany(c => c.Findings);
}
