using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// Persistence: what brings an attacker back after a restart or gives them a way in: cron entries, ssh
/// authorized keys, accounts (a second uid 0, a new login), sudoers, the dynamic loader's preload list, shell
/// profiles and init scripts. The paths come from the change classifier's reasons (one list of places); the
/// excerpt is what was added against the original.
/// </summary>
public sealed class PersistenceFamily : ITriageFamily
{
    private const string Family = "persistence";

    public static readonly TriageRule Cron = new("persistence.cron", Family, Severity.High, "a cron table or cron script added or changed");
    public static readonly TriageRule SshKey = new("persistence.ssh-authorized-keys", Family, Severity.High, "an ssh authorized_keys file added or changed");
    public static readonly TriageRule RootAccount = new("persistence.uid0-account", Family, Severity.High, "an account other than root with uid 0 in /etc/passwd");
    public static readonly TriageRule Accounts = new("persistence.accounts", Family, Severity.Medium, "/etc/passwd, shadow, group or gshadow changed");
    public static readonly TriageRule Sudoers = new("persistence.sudoers", Family, Severity.High, "sudoers or sudoers.d changed");
    public static readonly TriageRule Preload = new("persistence.ld-preload", Family, Severity.High, "/etc/ld.so.preload or the loader's search path changed");
    public static readonly TriageRule Profile = new("persistence.profile-or-init", Family, Severity.Medium, "a shell profile, rc or init script changed");

    public IReadOnlyList<TriageRule> Rules { get; } = [Cron, SshKey, RootAccount, Accounts, Sudoers, Preload, Profile];

    private static readonly string[] Reasons = ["cron", "ssh", "accounts", "ld-preload", "persistence"];

    private static bool Applies(ManifestEntry entry) =>
        entry.Kind != ChangeKind.Deleted && entry.After?.Type is "file" or "symlink" && entry.ContentChange != "metadata"
        && HasAnyReason(entry.Reasons);

    private static bool HasAnyReason(IReadOnlyList<string> reasons)
    {
        foreach (var reason in reasons)
        {
            if (Reasons.Contains(reason))
            {
                return true;
            }
        }

        return false;
    }

    public bool WantsAfter(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Applies(entry) && entry.After?.Type == "file";
    }

    public bool WantsBefore(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return WantsAfter(entry) && entry.Before?.Type == "file";
    }

    public bool Concerns(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Applies(entry);
    }

    public IEnumerable<TriageFinding> Check(TriageSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var entry = subject.Entry;
        if (!Applies(entry))
        {
            yield break;
        }

        var path = subject.Path;
        var added = subject.After is { } after ? TriageText.AddedLines(TriageText.Of(after), subject.Before is { } b ? TriageText.Of(b) : null) : [];
        var excerpt = entry.After?.Type == "symlink"
            ? TriageText.Clip($"symlink to {entry.After.LinkTarget}")
            : TriageText.Clip(added.Count == 0 ? "(no new lines)" : string.Join(" | ", added.Take(3)) + (added.Count > 3 ? $" (+{added.Count - 3} more lines)" : ""));
        var verb = entry.Kind == ChangeKind.Added ? "added" : "changed";

        if (subject.Has("ssh") && subject.Name.StartsWith("authorized_keys", StringComparison.Ordinal))
        {
            yield return Find(SshKey, path, excerpt, $"authorized_keys {verb}: whoever holds the key logs in without a password");
        }
        else if (subject.Has("cron"))
        {
            yield return Find(Cron, path, excerpt, $"cron entry {verb}: it runs again on schedule after any clean-up");
        }
        else if (subject.Has("ld-preload"))
        {
            yield return Find(Preload, path, excerpt, $"loader configuration {verb}: a preloaded library runs inside every dynamically linked program");
        }
        else if (subject.Has("accounts"))
        {
            if (path is "/etc/sudoers" || path.StartsWith("/etc/sudoers.d/", StringComparison.Ordinal))
            {
                yield return Find(Sudoers, path, excerpt, $"sudo rules {verb}: a user may now run commands as root");
            }
            else
            {
                var rootLike = path == "/etc/passwd" ? added.Where(IsSecondRoot).ToList() : [];
                yield return rootLike.Count > 0
                    ? Find(RootAccount, path, TriageText.Clip(string.Join(" | ", rootLike)), "a second account with uid 0 is root under another name")
                    : Find(Accounts, path, excerpt, $"account database {verb}: new or altered logins");
            }
        }
        else if (subject.Has("persistence"))
        {
            yield return Find(Profile, path, excerpt, $"profile or init script {verb}: it runs at every login or start");
        }
    }

    private static TriageFinding Find(TriageRule rule, string path, string excerpt, string why) =>
        new(rule.Id, Family, rule.Severity, path, excerpt, why);

    /// <summary>A passwd line whose uid field is 0 and whose name is not root.</summary>
    private static bool IsSecondRoot(string line)
    {
        var fields = line.Split(':');
        return fields.Length >= 4 && fields[2].Trim() == "0" && fields[0] != "root";
    }
}
