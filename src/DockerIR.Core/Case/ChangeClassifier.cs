using System.Text;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Case;

/// <summary>
/// Sorts a change set into runtime noise and suspicious changes, by path alone (nothing is read from the
/// container here). Every rule has a name that appears in the entry's reasons, so a responder sees why.
/// </summary>
public static class ChangeClassifier
{
    /// <summary>The reasons of a changed directory that is only the parent of other changes (<see cref="ClassifiedChange.ParentOnly"/>).</summary>
    public const string ParentOfSuspicious = "parent-of-suspicious";

    public const string ParentOfRuntime = "parent-of-runtime";

    /// <summary>
    /// True for an entry that is only the parent of other changes, from its recorded reasons (a manifest entry keeps
    /// the reasons, not the <see cref="ClassifiedChange.ParentOnly"/> flag).
    /// </summary>
    public static bool IsParentOnly(IReadOnlyList<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        return reasons.Contains(ParentOfSuspicious) || reasons.Contains(ParentOfRuntime);
    }

    private static readonly string[] RuntimeDirs =
        ["/run", "/var/run", "/var/lock", "/run/lock", "/tmp", "/var/tmp", "/var/cache", "/dev/shm"];

    private static readonly string[] RuntimeSuffixes = [".pid", ".lock", ".lck", ".sock", ".socket", ".tmp", ".swp", ".cache"];

    private static readonly string[] RuntimePrefixes = ["sess_", "tmp", "php", "systemd-private-", "hsperfdata_"];

    private static readonly string[] WebRoots =
    [
        "/var/www", "/srv/www", "/srv/http", "/usr/share/nginx/html", "/usr/local/apache2/htdocs", "/usr/local/nginx/html",
        "/var/lib/tomcat", "/usr/local/tomcat/webapps", "/opt/tomcat/webapps", "/app/public", "/htdocs", "/public_html",
    ];

    private static readonly string[] WebScriptSuffixes =
        [".php", ".php3", ".php4", ".php5", ".php7", ".phtml", ".phar", ".jsp", ".jspx", ".jspf", ".asp", ".aspx", ".ashx", ".cgi", ".pl", ".war"];

    private static readonly string[] ExecutableDirs =
        ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"];

    private static readonly string[] ExecutableSuffixes = [".sh", ".bash", ".elf", ".bin", ".so", ".py", ".pl", ".rb", ".run", ".exe"];

    private static readonly string[] CronPaths = ["/etc/crontab", "/etc/cron.d", "/etc/cron.daily", "/etc/cron.hourly", "/etc/cron.weekly", "/etc/cron.monthly", "/var/spool/cron", "/etc/anacrontab"];

    private static readonly string[] AccountFiles = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d"];

    private static readonly string[] ProfileFiles = [".bashrc", ".bash_profile", ".profile", ".zshrc", ".bash_logout", ".bash_login"];

    private static readonly string[] InitPaths = ["/etc/init.d", "/etc/rc.local", "/etc/systemd", "/lib/systemd/system", "/etc/supervisor", "/etc/profile", "/etc/profile.d", "/etc/bash.bashrc", "/etc/environment"];

    /// <summary>
    /// Classifies every entry. A changed directory that is only the parent of other changes takes the verdict of
    /// the changes beneath it: suspicious when any of them is, runtime otherwise.
    /// </summary>
    public static IReadOnlyList<ClassifiedChange> Classify(IReadOnlyList<ChangeEntry> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var own = changes.Select(ClassifyOne).ToList();
        var sorted = changes.Select(c => c.Path).Order(StringComparer.Ordinal).ToArray();
        var suspicious = own.Where(c => c.Classification == Classification.Suspicious).Select(c => c.Path).Order(StringComparer.Ordinal).ToArray();

        var result = new List<ClassifiedChange>(changes.Count);
        foreach (var change in own)
        {
            if (change.Kind != ChangeKind.Changed || !HasDescendant(sorted, change.Path))
            {
                result.Add(change);
                continue;
            }

            var holdsSuspicious = HasDescendant(suspicious, change.Path);
            result.Add(change with
            {
                Classification = holdsSuspicious ? Classification.Suspicious : Classification.Runtime,
                Reasons = [holdsSuspicious ? ParentOfSuspicious : ParentOfRuntime],
                ParentOnly = true,
            });
        }

        return result;
    }

    /// <summary>Classifies one path without the context of the rest of the change set.</summary>
    public static ClassifiedChange ClassifyOne(ChangeEntry change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var reasons = ReasonsFor(change.Path, change.Kind);
        return new ClassifiedChange(change.Path, change.Kind,
            IsRuntimeVerdict(reasons) ? Classification.Runtime : Classification.Suspicious, reasons);
    }

    /// <summary>True when the path lies in a directory the runtime writes to (tmpfs candidates for a read-only relaunch).</summary>
    public static string? RuntimeDirOf(string path)
    {
        // Plain loops in these helpers: triage asks them of every entry, and a change set can hold 100,000.
        string? deepest = null;
        foreach (var dir in RuntimeDirs)
        {
            if (ChangeSetPaths.IsAtOrBelow(path, dir) && (deepest is null || dir.Length > deepest.Length))
            {
                deepest = dir;
            }
        }

        return deepest;
    }

    /// <summary>True when the path is a web root or lies in one.</summary>
    public static bool IsWebRoot(string path) => AnyAtOrBelow(path, WebRoots) || path.Contains("/webapps/", StringComparison.Ordinal);

    /// <summary>True when the file name has a server-side script suffix (.php, .jsp, .aspx, .cgi, ...).</summary>
    public static bool IsWebScriptName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = path.AsSpan(path.LastIndexOf('/') + 1);
        if (!Ascii.IsValid(name))
        {
            var lowerName = name.ToString().ToLowerInvariant();
            return WebScriptSuffixes.Any(lowerName.EndsWith);
        }

        foreach (var suffix in WebScriptSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyAtOrBelow(string path, string[] dirs)
    {
        foreach (var dir in dirs)
        {
            if (ChangeSetPaths.IsAtOrBelow(path, dir))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The web root a path is at, in or over (a parent of), or null when it touches none.</summary>
    public static string? WebRootNear(string path) =>
        WebRoots.FirstOrDefault(r => ChangeSetPaths.IsAtOrBelow(path, r) || ChangeSetPaths.IsAtOrBelow(r, path)) ?? (IsWebRoot(path) ? path : null);

    /// <summary>True when a path of <paramref name="sortedPaths"/> (ordinal order) lies beneath <paramref name="dir"/>.</summary>
    private static bool HasDescendant(string[] sortedPaths, string dir)
    {
        var prefix = dir.EndsWith('/') ? dir : dir + "/";
        var i = Array.BinarySearch(sortedPaths, prefix, StringComparer.Ordinal);
        for (i = i < 0 ? ~i : i; i < sortedPaths.Length && sortedPaths[i].StartsWith(prefix, StringComparison.Ordinal); i++)
        {
            if (sortedPaths[i].Length > prefix.Length)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRuntimeVerdict(IReadOnlyList<string> reasons) => reasons.All(r => r.StartsWith("runtime", StringComparison.Ordinal));

    private static List<string> ReasonsFor(string path, ChangeKind kind)
    {
        var reasons = new List<string>();
        var name = path[(path.LastIndexOf('/') + 1)..];
        var lowerName = name.ToLowerInvariant();

        var inWebRoot = IsWebRoot(path);
        if (inWebRoot)
        {
            reasons.Add(kind == ChangeKind.Deleted ? "web-root-deleted" : "web-root");
            if (WebScriptSuffixes.Any(lowerName.EndsWith))
            {
                reasons.Add("web-script");
            }

            if (lowerName.StartsWith("index.", StringComparison.Ordinal) || lowerName.StartsWith("default.", StringComparison.Ordinal))
            {
                reasons.Add("web-index");
            }
        }

        if (ExecutableDirs.Any(d => ChangeSetPaths.IsBelow(path, d)))
        {
            reasons.Add("executable-path");
        }

        if (CronPaths.Any(p => ChangeSetPaths.IsAtOrBelow(path, p)))
        {
            reasons.Add("cron");
        }

        if (path.Contains("/.ssh/", StringComparison.Ordinal) || path.EndsWith("/.ssh", StringComparison.Ordinal) || ChangeSetPaths.IsAtOrBelow(path, "/etc/ssh"))
        {
            reasons.Add("ssh");
        }

        if (AccountFiles.Any(p => ChangeSetPaths.IsAtOrBelow(path, p)))
        {
            reasons.Add("accounts");
        }

        if (path == "/etc/ld.so.preload" || ChangeSetPaths.IsAtOrBelow(path, "/etc/ld.so.conf.d") || path == "/etc/ld.so.conf")
        {
            reasons.Add("ld-preload");
        }

        if (ProfileFiles.Contains(lowerName) || InitPaths.Any(p => ChangeSetPaths.IsAtOrBelow(path, p)))
        {
            reasons.Add("persistence");
        }

        if (kind == ChangeKind.Deleted && (ChangeSetPaths.IsAtOrBelow(path, "/var/log") || lowerName.EndsWith(".log", StringComparison.Ordinal)
            || lowerName is ".bash_history" or ".ash_history" or ".sh_history" or "wtmp" or "btmp" or "lastlog" or "utmp"))
        {
            reasons.Add("log-deleted");
        }

        var runtimeDir = RuntimeDirOf(path);
        if (runtimeDir is not null && reasons.Count == 0)
        {
            if (ExecutableSuffixes.Any(lowerName.EndsWith) || WebScriptSuffixes.Any(lowerName.EndsWith))
            {
                reasons.Add("executable-in-temp");
            }
            else if (name.StartsWith('.') && path != runtimeDir)
            {
                reasons.Add("hidden-in-temp");
            }
            else
            {
                reasons.Add(RuntimeSuffixes.Any(lowerName.EndsWith) || RuntimePrefixes.Any(lowerName.StartsWith)
                    ? "runtime-file" : "runtime-dir");
            }
        }
        else if (runtimeDir is null && reasons.Count == 0 && kind != ChangeKind.Deleted
            && (RuntimeSuffixes.Take(4).Any(lowerName.EndsWith)))
        {
            // A pid file or lock outside the usual runtime directories (e.g. /var/lib/app/app.pid).
            reasons.Add("runtime-file");
        }

        if (reasons.Count == 0)
        {
            if (ExecutableSuffixes.Any(lowerName.EndsWith))
            {
                reasons.Add("executable-name");
            }
            else if (name.StartsWith('.'))
            {
                reasons.Add("hidden");
            }
            else
            {
                reasons.Add("other");
            }
        }

        return reasons;
    }
}
