using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// Tampering with the record: logs and shell histories deleted, truncated (smaller than the original) or
/// replaced by a link (to /dev/null, typically). A log that grew is what logs do and is not a finding.
/// </summary>
public sealed class TamperingFamily : ITriageFamily
{
    private const string Family = "tampering";

    public static readonly TriageRule LogDeleted = new("tampering.log-deleted", Family, Severity.High, "a log file or shell history deleted");
    public static readonly TriageRule LogTruncated = new("tampering.log-truncated", Family, Severity.High, "a log file or shell history smaller than its original");
    public static readonly TriageRule LogLinked = new("tampering.log-linked", Family, Severity.High, "a log file or shell history replaced by a symbolic link");

    public IReadOnlyList<TriageRule> Rules { get; } = [LogDeleted, LogTruncated, LogLinked];

    private static readonly string[] HistoryNames = [".bash_history", ".ash_history", ".sh_history", ".zsh_history", ".mysql_history", ".psql_history", "wtmp", "btmp", "lastlog", "utmp"];

    /// <summary>True for a path that is a log or a record of logins and commands.</summary>
    public static bool IsLog(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = path.AsSpan(path.LastIndexOf('/') + 1);
        if (path.StartsWith("/var/log/", StringComparison.Ordinal) || name.EndsWith(".log", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var history in HistoryNames)
        {
            if (name.SequenceEqual(history))
            {
                return true;
            }
        }

        return false;
    }

    public bool WantsAfter(ManifestEntry entry) => false;

    public bool WantsBefore(ManifestEntry entry) => false;

    public bool Concerns(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return IsLog(entry.Path) || entry.Reasons.Contains("log-deleted");
    }

    public IEnumerable<TriageFinding> Check(TriageSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var entry = subject.Entry;
        if (!IsLog(entry.Path) && !subject.Has("log-deleted"))
        {
            yield break;
        }

        if (entry.Kind == ChangeKind.Deleted)
        {
            yield return new TriageFinding(LogDeleted.Id, Family, LogDeleted.Severity, subject.Path,
                TriageText.Clip(entry.Before?.Type == "directory" ? "directory deleted"
                    : $"deleted; the original had {entry.Before?.Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} bytes"),
                "a deleted log or history hides what was done; its original is in before.tar when the image had it");
        }
        else if (entry.After?.Type == "symlink" && entry.Before?.Type != "symlink")
        {
            yield return new TriageFinding(LogLinked.Id, Family, LogLinked.Severity, subject.Path,
                TriageText.Clip($"now a symlink to {entry.After.LinkTarget}"), "nothing written to it is kept any more");
        }
        else if (entry.After?.Type == "file" && entry.Before?.Type == "file" && entry.After.Size < entry.Before.Size)
        {
            yield return new TriageFinding(LogTruncated.Id, Family, LogTruncated.Severity, subject.Path,
                TriageText.Clip($"{entry.Before.Size} bytes in the image, {entry.After.Size} now"), "a log only grows; a smaller one was cut to hide entries");
        }
    }
}
