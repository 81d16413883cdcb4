using System.Text.Json;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Hunt;

/// <summary>
/// One thing a hunt found: its kind (<c>file</c>: the same content as a case's or an IOC's hash; <c>name</c>: a
/// dropped name or an IOC path glob; <c>rule</c>: a triage rule; <c>pattern</c>: an IOC content pattern; <c>peer</c>: a
/// connection to where the case's flagged connections went), the rule id,
/// how bad, the path (in the container, or in the image), the file's hash, and where the indicator came from.
/// </summary>
public sealed record HuntMatch(string Kind, string Rule, Severity Severity, string Path, string? Sha256, string? Origin, string Detail);

/// <summary>One container as swept: what was read, from which source, and what matched; <see cref="NotSwept"/> says why not when it could not be read.</summary>
public sealed record HuntedContainer(string Id, string Name, string Image, string ImageId, string State, string? Source, int Changes, int Files, long Bytes,
    string? NotSwept, IReadOnlyList<HuntMatch> Matches)
{
    /// <summary>What could not be looked at in a container that was swept (its connections, when /proc is not readable here).</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];
}

/// <summary>One image as swept (its layers on this host) and every container built from it.</summary>
public sealed record HuntedImage(string Id, IReadOnlyList<string> Tags, IReadOnlyList<string> ContainerIds, IReadOnlyList<string> ContainerNames, int Layers, int Files,
    string? NotSwept, IReadOnlyList<HuntMatch> Matches);

/// <summary>A hunt: its indicators (counts and origins), every container and image swept, and how long it took.</summary>
public sealed record HuntReport(DateTimeOffset TimeUtc, string ToolVersion, IReadOnlyList<string> Origins, int HashIndicators, int NameIndicators, int PatternIndicators,
    double Seconds, IReadOnlyList<HuntedContainer> Containers, IReadOnlyList<HuntedImage> Images)
{
    /// <summary>How many peers (remote ends of the cases' flagged connections) the hunt looked for.</summary>
    public int PeerIndicators { get; init; }

    public const string SameFile = "hunt.same-file";
    public const string SameName = "hunt.same-name";
    public const string IocPath = "hunt.ioc-path";
    public const string SamePeer = "hunt.same-peer";

    /// <summary>
    /// The containers a response should take on: each with a match, and each built from an image with one, in the
    /// order found (a playbook's <c>targets: {from: FILE}</c> reads this list).
    /// </summary>
    public IReadOnlyList<string> Targets =>
        [.. Containers.Where(c => c.Matches.Count > 0).Select(c => c.Id)
            .Concat(Images.Where(i => i.Matches.Count > 0).SelectMany(i => i.ContainerIds)).Distinct(StringComparer.Ordinal)];

    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<HuntMatch> AllMatches => Containers.SelectMany(c => c.Matches).Concat(Images.SelectMany(i => i.Matches));

    /// <summary>The hunt as SARIF 2.1.0: one result per match, located at its path and at its container or image.</summary>
    public byte[] ToSarif()
    {
        using var sarif = new SarifLog("DockerIR hunt for a case's indicators across containers and images", ToolVersion, DocsLinks.For("hunt.md"));
        var w = sarif.Writer;
        foreach (var rule in AllMatches.GroupBy(m => m.Rule, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = rule.First();
            sarif.BeginRule(rule.Key, string.Concat(rule.Key.Split('.', '-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..])),
                $"{first.Kind} match: {rule.Key}", rule.Max(m => m.Severity).SarifLevel(), DocsLinks.For("hunt.md", "match-kinds"));
            w.WriteStartObject("fullDescription");
            w.WriteString("text", first.Kind switch
            {
                "file" => "A file with the same content (SHA-256) as a file of the case or a hash of the IOC file",
                "name" => "A file or directory with the name the attacker dropped in the case, or matching a path glob of the IOC file",
                "pattern" => "A file whose first bytes match a content pattern of the IOC file",
                "peer" => "A connection to the same remote end as a reverse shell or an outbound connection of the case",
                _ => "A file a triage rule flags (see docs/triage.md)",
            });
            w.WriteEndObject();
            w.WriteStartObject("help");
            w.WriteString("text", "Take the container (or every container of the image) through the response: 'dockerir playbook run PLAYBOOK --targets-from HUNT.json'. See docs/hunt.md.");
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("security-severity", rule.Max(m => m.Severity).SecuritySeverity());
            w.WriteEndObject();
            sarif.EndObject();
        }

        sarif.BeginResults(run =>
        {
            run.WriteStartObject("originalUriBaseIds");
            run.WriteStartObject("ROOT");
            run.WriteStartObject("description");
            run.WriteString("text", "The root of the container's or image's file system");
            run.WriteEndObject();
            run.WriteEndObject();
            run.WriteEndObject();
        });
        void Result(HuntMatch m, string name, string fqn)
        {
            sarif.BeginResult(m.Rule, m.Severity.SarifLevel(), $"{name}: {m.Detail}");
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            w.WriteString("uri", Uri.EscapeDataString(m.Path.TrimStart('/')).Replace("%2F", "/", StringComparison.Ordinal));
            w.WriteString("uriBaseId", "ROOT");
            w.WriteEndObject();
            w.WriteEndObject();
            sarif.ResourceLocation(name, fqn);
            w.WriteStartObject("partialFingerprints");
            w.WriteString("dockerirHunt/v1", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{fqn}\n{m.Rule}\n{m.Path}")))[..32]);
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("kind", m.Kind);
            if (m.Sha256 is { } sha)
            {
                w.WriteString("sha256", sha);
            }

            if (m.Origin is { } origin)
            {
                w.WriteString("origin", origin);
            }

            w.WriteEndObject();
            sarif.EndObject();
        }

        foreach (var c in Containers)
        {
            foreach (var m in c.Matches)
            {
                Result(m, c.Name, $"container/{c.Id}");
            }
        }

        foreach (var i in Images)
        {
            foreach (var m in i.Matches)
            {
                Result(m, i.Tags.Count > 0 ? i.Tags[0] : i.Id, $"image/{i.Id}");
            }
        }

        return sarif.Finish();
    }

    /// <summary>
    /// The target list of a hunt's JSON (what <c>dockerir hunt --json</c> or <c>-o</c> wrote), for a playbook run: the
    /// containers with a match and those built from an image with one. A file that is not a hunt report is refused.
    /// </summary>
    public static IReadOnlyList<string> ReadTargets(string file)
    {
        var bytes = Platform.Native.ReadSmallRegularFile(file, 64 << 20, followLink: true)
            ?? throw new DockerIRException(FailureKind.Usage, $"{file}: a hunt report is at most 64 MiB; this one is larger");
        HuntReport? report;
        try
        {
            report = JsonSerializer.Deserialize(bytes, HuntJson.Indented.HuntReport);
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.Usage, $"{file} is not a hunt report ('dockerir hunt --json'): {e.Message}", e);
        }

        if (report?.Containers is null || report.Images is null)
        {
            throw new DockerIRException(FailureKind.Usage, $"{file} is not a hunt report ('dockerir hunt --json')");
        }

        return report.Targets;
    }
}
