using DockerIR.Core.Case;

namespace DockerIR.Core.Triage;

/// <summary>
/// What a rule sees of one change-set entry: its manifest record and the first bytes of its stored content on
/// each side (null when the side has no stored regular file or the rule did not ask for it).
/// </summary>
public sealed record TriageSubject(ManifestEntry Entry, byte[]? After, byte[]? Before)
{
    public string Path => Entry.Path;

    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    public bool Has(string reason) => Entry.Reasons.Contains(reason);

    /// <summary>True when the after side is a regular file (added or changed, not deleted).</summary>
    public bool IsAfterFile => Entry.After?.Type == "file";
}

/// <summary>
/// A family of triage rules (web shells, defacement, ...): which entries' content it needs, and what it finds in
/// one entry. Rules are pure; they never touch the disk or the engine.
/// </summary>
public interface ITriageFamily
{
    IReadOnlyList<TriageRule> Rules { get; }

    /// <summary>True when the rule needs the stored content of the entry's after side.</summary>
    bool WantsAfter(ManifestEntry entry);

    /// <summary>True when the rule needs the stored original (before side) of the entry.</summary>
    bool WantsBefore(ManifestEntry entry);

    /// <summary>
    /// A cheap test on the entry alone: false means <see cref="Check"/> finds nothing in it whatever its content, so
    /// the scan skips it (most entries of a large change set concern no family).
    /// </summary>
    bool Concerns(ManifestEntry entry);

    IEnumerable<TriageFinding> Check(TriageSubject subject);
}
