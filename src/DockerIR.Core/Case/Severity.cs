namespace DockerIR.Core.Case;

/// <summary>How much a finding matters; --fail-on compares against it.</summary>
public enum Severity
{
    Low = 1,
    Medium = 2,
    High = 3,
}

/// <summary>How severities read in the formats other tools take in.</summary>
public static class SeverityFormats
{
    /// <summary>SARIF's result level: high is an error, medium a warning, low a note.</summary>
    public static string SarifLevel(this Severity severity) => severity switch
    {
        Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    /// <summary>GitHub code scanning's security-severity: 7.0 and up is high, 4.0 to 6.9 medium, under 4.0 low.</summary>
    public static string SecuritySeverity(this Severity severity) => severity switch
    {
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        _ => "2.0",
    };
}
