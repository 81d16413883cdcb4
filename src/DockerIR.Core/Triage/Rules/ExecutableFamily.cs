using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// New or modified executables: ELF binaries anywhere in the change set, and scripts (#!) with an execute bit.
/// Worse where an attacker stages tools (temporary directories, web roots, hidden names) and where a system
/// binary was replaced.
/// </summary>
public sealed class ExecutableFamily : ITriageFamily
{
    private const string Family = "executable";

    public static readonly TriageRule ElfStaged = new("executable.elf-staged", Family, Severity.High,
        "an ELF binary added or changed in a temporary directory, a web root or under a hidden name");
    public static readonly TriageRule SystemBinaryReplaced = new("executable.system-binary-replaced", Family, Severity.High,
        "an existing binary or library in a system directory with new content (a trojaned tool)");
    public static readonly TriageRule ElfAdded = new("executable.elf-added", Family, Severity.Medium,
        "an ELF binary added or changed elsewhere");
    public static readonly TriageRule ScriptAdded = new("executable.script-added", Family, Severity.Medium,
        "a script (#!) with an execute bit added or changed");

    public IReadOnlyList<TriageRule> Rules { get; } = [ElfStaged, SystemBinaryReplaced, ElfAdded, ScriptAdded];

    public bool WantsAfter(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.After?.Type == "file" && entry.Kind != ChangeKind.Deleted && entry.ContentChange is null or "content" or "type"
            && (IsExecutable(entry.After.Mode) || IsStaging(entry.Path) || entry.Reasons.Contains("executable-path") || entry.Reasons.Contains("executable-name"));
    }

    public bool WantsBefore(ManifestEntry entry) => false;

    public bool Concerns(ManifestEntry entry) => WantsAfter(entry);

    public IEnumerable<TriageFinding> Check(TriageSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.After is not { Length: >= 2 } bytes || !WantsAfter(subject.Entry))
        {
            yield break;
        }

        var entry = subject.Entry;
        var mode = entry.After?.Mode ?? "?";
        var isElf = bytes.Length >= 4 && bytes[0] == 0x7f && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F';
        if (isElf)
        {
            var excerpt = $"ELF, mode {mode}, {entry.After?.Size} bytes, sha256 {entry.After?.Sha256?[..Math.Min(16, entry.After.Sha256.Length)]}";
            if (entry.Kind == ChangeKind.Changed && entry.Reasons.Contains("executable-path"))
            {
                yield return new TriageFinding(SystemBinaryReplaced.Id, Family, SystemBinaryReplaced.Severity, subject.Path, excerpt,
                    "a system binary or library of the image now has other content: every process that runs it runs the attacker's code");
            }
            else if (IsStaging(subject.Path))
            {
                yield return new TriageFinding(ElfStaged.Id, Family, ElfStaged.Severity, subject.Path, excerpt,
                    "compiled tools dropped where attackers stage them (miners, reverse shells, scanners)");
            }
            else
            {
                yield return new TriageFinding(ElfAdded.Id, Family, ElfAdded.Severity, subject.Path, excerpt,
                    "a binary the image did not ship");
            }
        }
        else if (bytes[0] == (byte)'#' && bytes[1] == (byte)'!' && IsExecutable(mode))
        {
            var text = TriageText.Of(bytes);
            var firstLine = text.Split('\n', 2)[0];
            yield return new TriageFinding(ScriptAdded.Id, Family, ScriptAdded.Severity, subject.Path, TriageText.Clip($"{firstLine} (mode {mode})"),
                entry.Reasons.Contains("executable-path") ? "a script in a system directory, run by whoever calls it by name" : "a script that can be run directly");
        }
    }

    /// <summary>True when any execute bit is set in a four-digit octal mode.</summary>
    public static bool IsExecutable(string? mode) =>
        (ManifestEntry.ModeBits(mode) & 0b001_001_001) != 0;

    private static bool IsStaging(string path) =>
        ChangeClassifier.RuntimeDirOf(path) is not null || ChangeClassifier.IsWebRoot(path) || HasHiddenComponent(path);

    /// <summary>True when a component of the path is a hidden name (".x", not "." or "..").</summary>
    private static bool HasHiddenComponent(string path)
    {
        foreach (var range in path.AsSpan().Split('/'))
        {
            var part = path.AsSpan(range);
            if (part.Length > 1 && part[0] == '.' && part is not "..")
            {
                return true;
            }
        }

        return false;
    }
}
