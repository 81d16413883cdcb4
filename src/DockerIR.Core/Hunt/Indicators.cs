using System.Text.RegularExpressions;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Triage;
using DockerIR.Core.Views;
using YamlDotNet.RepresentationModel;

namespace DockerIR.Core.Hunt;

/// <summary>A file known to be the attacker's: its content hash (and size, which lets an image walk skip every other file).</summary>
public sealed record HashIndicator(string Sha256, long? Size, string Origin, string? Path, string Note);

/// <summary>A name the attacker dropped (a file's name, or an added directory's path), or an IOC path glob.</summary>
public sealed record NameIndicator(string Pattern, bool IsGlob, string Origin, string Note)
{
    private Regex? regex;

    /// <summary>True when <paramref name="path"/> matches: a plain name is a file's last component; a glob without '/' matches the last component, one with '/' the whole path ('*' within a component, '**' across).</summary>
    public bool Matches(string path, bool isDirectory)
    {
        if (!IsGlob)
        {
            return Pattern.StartsWith('/') ? isDirectory && path == Pattern : !isDirectory && path[(path.LastIndexOf('/') + 1)..] == Pattern;
        }

        regex ??= new Regex("^" + string.Join(".*", Pattern.Split("**").Select(GlobPart)) + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(250));
        return regex.IsMatch(Pattern.Contains('/', StringComparison.Ordinal) ? path : path[(path.LastIndexOf('/') + 1)..]);
    }

    private static string GlobPart(string part) => string.Concat(part.Select(c => c switch
    {
        '*' => "[^/]*",
        '?' => "[^/]",
        _ => Regex.Escape(c.ToString()),
    }));
}

/// <summary>A remote end the case's flagged connections went to (a reverse shell's listener, a public address).</summary>
public sealed record PeerIndicator(string Address, int Port, string Origin, string Note);

/// <summary>A content pattern of an IOC file: a rule id and a regular expression over a file's first bytes.</summary>
public sealed record PatternIndicator(string Id, Regex Regex, Severity Severity, string Origin);

/// <summary>
/// What a hunt looks for: from cases, the SHA-256 of every suspicious added or changed file and of every file a
/// triage rule flagged, the names of the files and directories the attacker added there, and the rules the case hit;
/// from IOC files (docs/hunt.md), hashes, path globs and content patterns.
/// </summary>
public sealed class Indicators
{
    /// <summary>The largest IOC file read, and its deepest nesting.</summary>
    public const int MaxIocBytes = 4 << 20;

    private const int MaxIocDepth = 16;

    public List<HashIndicator> Hashes { get; } = [];

    public List<NameIndicator> Names { get; } = [];

    public List<PatternIndicator> Patterns { get; } = [];

    public List<PeerIndicator> Peers { get; } = [];

    /// <summary>The rules each case hit, by case id (a match by rule says whether the case hit the same one).</summary>
    public Dictionary<string, HashSet<string>> CaseRules { get; } = new(StringComparer.Ordinal);

    /// <summary>Every case read, for the custody line each one gets.</summary>
    public List<(string CaseId, CaseContent Content)> Cases { get; } = [];

    public ILookup<string, HashIndicator> ByHash => Hashes.ToLookup(h => h.Sha256, StringComparer.Ordinal);

    /// <summary>The sizes of the files of known hash: an image walk hashes only files of these sizes.</summary>
    public IReadOnlySet<long> HashSizes => Hashes.Where(h => h.Size is not null).Select(h => h.Size!.Value).ToHashSet();

    /// <summary>True when some hash has no known size (from an IOC file): then every file must be hashed.</summary>
    public bool HashWithoutSize => Hashes.Any(h => h.Size is null);

    public bool IsEmpty => Hashes.Count == 0 && Names.Count == 0 && Patterns.Count == 0 && Peers.Count == 0 && CaseRules.Count == 0;

    /// <summary>Adds a case's indicators (a case directory or a bundle, checked against its hashes first).</summary>
    public async Task AddCaseAsync(string path, CancellationToken cancellationToken)
    {
        var content = CaseContent.OpenVerified(path);
        var records = await CaseRecords.ReadAsync(content,
            [.. CaseRecords.Files.Except([CaseDirectory.CaseFile, Manifest.FileName, TriageReport.FileName, ProcessesRecord.FileName, ProcessesRecord.SocketsFile])], cancellationToken);
        var manifest = records.Manifest
            ?? throw new DockerIRException(FailureKind.NotFound, $"{content.Location} has no {Manifest.FileName}: extract the case first ('dockerir extract')");
        var caseId = manifest.CaseId;
        var flagged = (records.Triage?.Findings ?? []).Where(f => f.Path is not null).GroupBy(f => f.Path!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Rule).Distinct().ToList(), StringComparer.Ordinal);
        CaseRules[caseId] = (records.Triage?.Findings ?? []).Select(f => f.Rule).ToHashSet(StringComparer.Ordinal);
        foreach (var e in manifest.Entries)
        {
            var rules = flagged.GetValueOrDefault(e.Path);
            var suspicious = e.Classification == Classification.Suspicious && !e.Reasons.All(r => r.StartsWith("parent", StringComparison.Ordinal));
            // An empty file's hash is every empty file's: no indicator of anything.
            if (e.After is { Type: "file", Sha256: { } sha, Size: > 0 } after && (rules is not null || suspicious) && e.Kind != ChangeKind.Deleted)
            {
                Hashes.Add(new HashIndicator(sha, after.Size, caseId, e.Path,
                    rules is null ? $"a suspicious {(e.Kind == ChangeKind.Added ? "added" : "changed")} file of case {caseId}" : $"{string.Join(", ", rules)} in case {caseId}"));
            }

            // What the attacker dropped: an added file a rule flagged (by its name), an added directory (by its path).
            if (e.Kind == ChangeKind.Added && rules is not null && e.After?.Type == "file")
            {
                Names.Add(new NameIndicator(e.Path[(e.Path.LastIndexOf('/') + 1)..], false, caseId, $"the name of {e.Path} dropped in case {caseId}"));
            }
            else if (e.Kind == ChangeKind.Added && e.After?.Type == "directory" && suspicious && !IsCommonDirectory(e.Path))
            {
                Names.Add(new NameIndicator(e.Path, false, caseId, $"a directory added in case {caseId}"));
            }
        }

        // The programs of the processes a rule flagged (a deleted or temporary program), by the hash the host read.
        var programSizes = (records.Processes?.Programs ?? []).GroupBy(p => p.Sha256, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Size, StringComparer.Ordinal);
        foreach (var p in records.Processes?.Processes ?? [])
        {
            if (p is { Exe: { } exe, ProgramSha256: { } programSha } && flagged.GetValueOrDefault(exe) is { } rules && rules.Any(r => r.StartsWith(Triage.Rules.ProcessFamily.Family + ".", StringComparison.Ordinal))
                && programSizes.GetValueOrDefault(programSha) is > 0 and var size && Hashes.All(h => h.Sha256 != programSha))
            {
                Hashes.Add(new HashIndicator(programSha, size, caseId, exe, $"the program pid {p.HostPid} ran ({string.Join(", ", rules)}) in case {caseId}"));
            }
        }

        foreach (var (address, port, rule) in Triage.Rules.ProcessFamily.Peers(records.Processes, records.Sockets).Distinct())
        {
            Peers.Add(new PeerIndicator(address, port, caseId, $"the peer of a {rule} connection in case {caseId}"));
        }

        Cases.Add((caseId, content));
    }

    /// <summary>
    /// Adds an IOC file (YAML or JSON): <c>hashes: [{sha256, note}]</c>, <c>paths: [{glob, note}]</c>,
    /// <c>patterns: [{id, regex, severity}]</c>; every error names FILE:LINE:COL.
    /// </summary>
    public void AddIocFile(string file)
    {
        var root = Formats.BoundedYaml.LoadMapping(file, "IOC file", MaxIocBytes, MaxIocDepth, "hashes, paths, patterns");
        var errors = new List<string>();
        string At(YamlNode node) => $"{file}:{node.Start.Line}:{node.Start.Column}";
        foreach (var (key, value) in root.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is not ("hashes" or "paths" or "patterns"))
            {
                errors.Add($"{At(key)}: unknown key '{Triage.TriageText.Clip(name ?? "?")}' (an IOC file has hashes, paths, patterns)");
                continue;
            }

            if (value is not YamlSequenceNode items)
            {
                errors.Add($"{At(value)}: '{name}' is a list");
                continue;
            }

            foreach (var item in items)
            {
                if (item is not YamlMappingNode m)
                {
                    errors.Add($"{At(item)}: each of '{name}' is a mapping");
                    continue;
                }

                string? Field(string field) => m.Children.TryGetValue(new YamlScalarNode(field), out var v) && v is YamlScalarNode s ? s.Value : null;
                var note = Field("note") ?? "";
                switch (name)
                {
                    case "hashes" when Field("sha256")?.ToLowerInvariant() is { Length: 64 } sha && sha.All(char.IsAsciiHexDigitLower):
                        Hashes.Add(new HashIndicator(sha, null, Path.GetFileName(file), null, note.Length > 0 ? note : $"a hash of {Path.GetFileName(file)}"));
                        break;
                    case "hashes":
                        errors.Add($"{At(item)}: a hash needs 'sha256:' with 64 hexadecimal digits");
                        break;
                    case "paths" when Field("glob") is { Length: > 0 and <= 4096 } glob:
                        Names.Add(new NameIndicator(glob, true, Path.GetFileName(file), note.Length > 0 ? note : $"the path glob {glob} of {Path.GetFileName(file)}"));
                        break;
                    case "paths":
                        errors.Add($"{At(item)}: a path needs 'glob:' (e.g. '*.phtml' or '/tmp/.*/**')");
                        break;
                    case "patterns":
                        var id = Field("id");
                        var regex = Field("regex");
                        var severity = Field("severity") ?? "high";
                        if (id is not { Length: > 0 } || regex is not { Length: > 0 } || severity is not ("low" or "medium" or "high"))
                        {
                            errors.Add($"{At(item)}: a pattern needs 'id:', 'regex:' and optionally 'severity:' low, medium or high");
                            break;
                        }

                        try
                        {
                            Patterns.Add(new PatternIndicator(id, new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(250)),
                                Enum.Parse<Severity>(severity, ignoreCase: true), Path.GetFileName(file)));
                        }
                        catch (ArgumentException e)
                        {
                            errors.Add($"{At(item)}: the regex of '{id}' is not valid: {e.Message}");
                        }

                        break;
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new DockerIRException(FailureKind.Usage, errors[0] + (errors.Count > 1 ? $" (and {errors.Count - 1} more)" : ""));
        }
    }

    /// <summary>Directories every image or runtime makes: their path is no indicator of anything.</summary>
    private static bool IsCommonDirectory(string path) =>
        path is "/tmp" or "/var/tmp" or "/run" or "/var/run" or "/root" or "/home" || path.StartsWith("/proc", StringComparison.Ordinal) || path.StartsWith("/sys", StringComparison.Ordinal);
}
