using DockerIR.Core.Case;
using DockerIR.Core.Formats;
using DockerIR.Core.Triage.Rules;

namespace DockerIR.Core.Triage;

/// <summary>
/// Runs every triage family over one extracted case: the manifest's entries, the first bytes of the stored
/// content the rules ask for (read from after.tar and before.tar, one member at a time, never more than
/// <see cref="HeadLimit"/> of one file), and the snapshot's audit.
/// </summary>
public static class TriageScan
{
    /// <summary>How much of one stored file a rule sees: a web shell or a cron line is in the first bytes.</summary>
    public const int HeadLimit = 256 << 10;

    /// <summary>Originals held at once for the rules that compare (accounts, cron): past this, they go without.</summary>
    private const long BeforeBudget = 64L << 20;

    public static IReadOnlyList<ITriageFamily> Families { get; } =
        [new WebShellFamily(), new DefacementFamily(), new ExecutableFamily(), new PersistenceFamily(), new TamperingFamily()];

    /// <summary>Every rule, per-file families first, then the container-level risks.</summary>
    public static IReadOnlyList<TriageRule> AllRules { get; } = [.. Families.SelectMany(f => f.Rules), .. ProcessFamily.Rules, .. ContainerRiskFamily.Rules];

    public static async Task<TriageReport> RunAsync(string caseRoot, Manifest manifest, AuditReport? audit, DateTimeOffset now, string toolVersion,
        CancellationToken cancellationToken, ProcessesRecord? processes = null, SocketsRecord? sockets = null)
    {
        ArgumentNullException.ThrowIfNull(caseRoot);
        ArgumentNullException.ThrowIfNull(manifest);
        var findings = new List<TriageFinding>();
        var stats = new Stats();

        // Originals first (few: account and cron files), held by member name for the after pass.
        var beforeWanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest.Entries)
        {
            if (AnyWants(entry, before: true) && StoredFile(entry.Before, Manifest.BeforeTar) is { } member)
            {
                beforeWanted.Add(member);
            }
        }

        var befores = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long held = 0;
        await ReadHeadsAsync(Path.Combine(caseRoot, Manifest.BeforeTar), beforeWanted, stats, (member, head) =>
        {
            if (held + head.Length <= BeforeBudget)
            {
                befores[member] = head;
                held += head.Length;
            }
        }, cancellationToken);

        // Then each wanted after member is read, checked and dropped; everything else is checked without content.
        var byMember = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var entry in manifest.Entries)
        {
            if (AnyWants(entry, before: false) && StoredFile(entry.After, Manifest.AfterTar) is { } member)
            {
                byMember.TryAdd(member, entry);
            }
        }

        var checkedPaths = new HashSet<ManifestEntry>(ReferenceEqualityComparer.Instance);
        await ReadHeadsAsync(Path.Combine(caseRoot, Manifest.AfterTar), byMember.Keys.ToHashSet(StringComparer.Ordinal), stats, (member, head) =>
        {
            var entry = byMember[member];
            if (checkedPaths.Add(entry))
            {
                CheckInto(findings, entry, head, BeforeOf(entry, befores));
            }
        }, cancellationToken);

        foreach (var entry in manifest.Entries)
        {
            if (!checkedPaths.Contains(entry))
            {
                CheckInto(findings, entry, null, BeforeOf(entry, befores));
            }
        }

        findings.AddRange(ProcessFamily.From(processes, sockets));
        findings.AddRange(ContainerRiskFamily.From(audit));
        var ordered = findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Path ?? "", StringComparer.Ordinal).ThenBy(f => f.Rule, StringComparer.Ordinal).ToList();
        return new TriageReport(TriageReport.CurrentFormatVersion, manifest.CaseId, now, toolVersion, manifest.Entries.Count, stats.Files, stats.Bytes, AllRules, ordered);
    }

    /// <summary>Runs every family over one entry with the content given (pure; what the unit tests call).</summary>
    public static IEnumerable<TriageFinding> Check(ManifestEntry entry, byte[]? after, byte[]? before)
    {
        var findings = new List<TriageFinding>();
        CheckInto(findings, entry, after, before);
        return findings;
    }

    /// <summary>Adds what every family concerned with the entry finds in it.</summary>
    private static void CheckInto(List<TriageFinding> findings, ManifestEntry entry, byte[]? after, byte[]? before)
    {
        TriageSubject? subject = null;
        foreach (var family in Families)
        {
            if (family.Concerns(entry))
            {
                findings.AddRange(family.Check(subject ??= new TriageSubject(entry, after, before)));
            }
        }
    }

    private static bool AnyWants(ManifestEntry entry, bool before)
    {
        foreach (var family in Families)
        {
            if (before ? family.WantsBefore(entry) : family.WantsAfter(entry))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One line: how many findings at each severity, and the paths of the worst.</summary>
    public static string Summary(IReadOnlyList<TriageFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (findings.Count == 0)
        {
            return "no findings";
        }

        var counts = string.Join(", ", findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));
        var paths = findings.Where(f => f.Path is not null).Select(f => f.Path!).Distinct(StringComparer.Ordinal).Take(5).ToList();
        return $"{findings.Count} findings ({counts}){(paths.Count > 0 ? ": " + SafeText.Escape(string.Join(", ", paths)) : "")}";
    }

    private static byte[]? BeforeOf(ManifestEntry entry, Dictionary<string, byte[]> befores) =>
        StoredFile(entry.Before, Manifest.BeforeTar) is { } member && befores.TryGetValue(member, out var head) ? head : null;

    private static string? StoredFile(FileRecord? record, string tar) =>
        record is { Type: "file", Member: { } member } && record.Tar == tar ? member : null;

    private static async Task ReadHeadsAsync(string tarPath, HashSet<string> wanted, Stats stats, Action<string, byte[]> onHead, CancellationToken cancellationToken)
    {
        if (wanted.Count == 0 || !File.Exists(tarPath))
        {
            return;
        }

        await using var stream = new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        using var reader = new TarStreamReader(stream);
        var left = wanted.Count;
        while (left > 0 && await reader.NextAsync(cancellationToken) is { } item)
        {
            if (item.Type != TarItemType.File || !wanted.Contains(item.Name))
            {
                continue;
            }

            var head = new byte[(int)Math.Min(HeadLimit, item.Size)];
            var read = await item.Data.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            head = read < head.Length ? head[..read] : head;
            stats.Files++;
            stats.Bytes += head.Length;
            left--;
            onHead(item.Name, head);
        }
    }

    private sealed class Stats
    {
        public int Files { get; set; }
        public long Bytes { get; set; }
    }
}
