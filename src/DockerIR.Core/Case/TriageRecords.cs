namespace DockerIR.Core.Case;

/// <summary>One rule of a family: its id, what it looks for, and how bad a match is.</summary>
public sealed record TriageRule(string Id, string Family, Severity Severity, string Description);

/// <summary>
/// One thing triage found: the rule, the container path (none for a container-level risk), a short excerpt of
/// what matched (escaped, never more than 160 characters) and why it matters.
/// </summary>
public sealed record TriageFinding(string Rule, string Family, Severity Severity, string? Path, string Excerpt, string Why);

/// <summary>findings.json: every finding of every rule over one case, and what was scanned.</summary>
public sealed record TriageReport(
    int FormatVersion,
    string CaseId,
    DateTimeOffset TimeUtc,
    string ToolVersion,
    int EntriesScanned,
    int FilesRead,
    long BytesRead,
    IReadOnlyList<TriageRule> Rules,
    IReadOnlyList<TriageFinding> Findings)
{
    public const string FileName = "findings.json";
    public const int CurrentFormatVersion = 1;
}

/// <summary>The names of the finding families other parts of a case refer to (the report links them to their records).</summary>
public static class FindingFamilies
{
    /// <summary>A risk in the container's configuration, from its audit (rule "container.ID").</summary>
    public const string Container = "container";

    /// <summary>A process seen in the frozen container.</summary>
    public const string Process = "process";
}
