using System.Text;
using System.Text.Json;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Audit;

/// <summary>One container as audited: who it is and what it breaks.</summary>
public sealed record AuditedContainer(string Name, string Id, string Image, IReadOnlyList<AuditFinding> Findings);

/// <summary>An audit run: when, by which tool version, and each container's findings.</summary>
public sealed record AuditReport(DateTimeOffset TimeUtc, string ToolVersion, IReadOnlyList<AuditedContainer> Containers)
{
    public const string FileName = "audit.json";

    /// <summary>The benchmark its ids are from (<see cref="ContainerAudit.Benchmark"/>); null in a report an older dockerir wrote, whose ids were shifted by one.</summary>
    public string? Benchmark { get; init; }

    public static AuditReport Of(IEnumerable<ContainerInspection> containers, DateTimeOffset time, string toolVersion) =>
        new(time, toolVersion, containers.Select(c => new AuditedContainer(c.Name, c.Id, c.ImageReference, ContainerAudit.Check(c))).ToList())
        {
            Benchmark = ContainerAudit.Benchmark,
        };

    public IEnumerable<AuditFinding> AllFindings => Containers.SelectMany(c => c.Findings);

    /// <summary>
    /// The report as SARIF 2.1.0 for code-scanning tools: every rule in the driver, one result per finding, located
    /// at the container (a logical location) and carrying the evidence and the fix.
    /// </summary>
    public byte[] ToSarif()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            w.WriteString("version", "2.1.0");
            w.WriteStartArray("runs");
            w.WriteStartObject();
            w.WriteStartObject("tool");
            w.WriteStartObject("driver");
            w.WriteString("name", "DockerIR");
            w.WriteString("fullName", $"DockerIR container audit ({ContainerAudit.Benchmark})");
            w.WriteString("version", ToolVersion);
            w.WriteString("informationUri", "https://www.cisecurity.org/benchmark/docker");
            w.WriteStartArray("rules");
            foreach (var rule in ContainerAudit.Rules)
            {
                w.WriteStartObject();
                w.WriteString("id", rule.Id);
                w.WriteString("name", Pascal(rule.Title));
                w.WriteStartObject("shortDescription");
                w.WriteString("text", rule.Title);
                w.WriteEndObject();
                w.WriteStartObject("help");
                w.WriteString("text", $"Fix: {rule.Remediation}");
                w.WriteEndObject();
                w.WriteStartObject("defaultConfiguration");
                w.WriteString("level", Level(rule.Severity));
                w.WriteEndObject();
                w.WriteStartObject("properties");
                w.WriteString("severity", rule.Severity.ToString().ToLowerInvariant());
                w.WriteString("benchmark", rule.Id.StartsWith(ContainerAudit.OwnPrefix, StringComparison.Ordinal) ? "DockerIR (not a CIS control)" : ContainerAudit.Benchmark);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("results");
            foreach (var f in AllFindings)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", f.Id);
                w.WriteString("level", Level(f.Severity));
                w.WriteStartObject("message");
                w.WriteString("text", $"{f.Container}: {f.Title} ({f.Evidence}). Fix: {f.Remediation}");
                w.WriteEndObject();
                w.WriteStartArray("locations");
                w.WriteStartObject();
                w.WriteStartArray("logicalLocations");
                w.WriteStartObject();
                w.WriteString("name", f.Container);
                w.WriteString("fullyQualifiedName", $"container/{f.ContainerId}");
                w.WriteString("kind", "resource");
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteStartObject("properties");
                w.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
                w.WriteString("evidence", f.Evidence);
                w.WriteString("containerId", f.ContainerId);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string Level(Severity severity) => severity switch
    {
        Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

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
