using System.Net;
using System.Text.RegularExpressions;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// Defacement: a web root's index page whose content changed against its original in the image (a change of
/// owner, mode or time alone is not one), or that was deleted or replaced by something other than a file.
/// </summary>
public sealed partial class DefacementFamily : ITriageFamily
{
    private const string Family = "defacement";

    public static readonly TriageRule IndexChanged = new("defacement.index-changed", Family, Severity.High,
        "a web root's index page with content other than its original in the image");
    public static readonly TriageRule IndexRemoved = new("defacement.index-removed", Family, Severity.Medium,
        "a web root's index page deleted or replaced by a link or directory");

    public IReadOnlyList<TriageRule> Rules { get; } = [IndexChanged, IndexRemoved];

    [GeneratedRegex(@"<title[^>]*>(?<t>[^<]{1,200})<|<h1[^>]*>(?<t>[^<]{1,200})<", RegexOptions.IgnoreCase, 250)]
    private static partial Regex Headline();

    [GeneratedRegex(@"<[^>]{0,500}>", RegexOptions.None, 250)]
    private static partial Regex Tag();

    private static bool IsIndex(ManifestEntry entry) => entry.Reasons.Contains("web-index");

    public bool WantsAfter(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return IsIndex(entry) && entry.Kind == ChangeKind.Changed && entry.ContentChange == "content" && entry.After?.Type == "file";
    }

    public bool WantsBefore(ManifestEntry entry) => false;

    public bool Concerns(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return IsIndex(entry);
    }

    public IEnumerable<TriageFinding> Check(TriageSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var entry = subject.Entry;
        if (!IsIndex(entry))
        {
            yield break;
        }

        if (entry.Kind == ChangeKind.Deleted || (entry.Kind == ChangeKind.Changed && entry.ContentChange == "type"))
        {
            var now = entry.Kind == ChangeKind.Deleted ? "deleted" : $"now a {entry.After?.Type}{(entry.After?.LinkTarget is { } t ? " to " + t : "")}";
            yield return new TriageFinding(IndexRemoved.Id, Family, IndexRemoved.Severity, subject.Path, TriageText.Clip(now),
                "the site's front page is gone or replaced, which takes the site down or serves something else");
        }
        else if (WantsAfter(entry) && subject.After is { } bytes)
        {
            yield return new TriageFinding(IndexChanged.Id, Family, IndexChanged.Severity, subject.Path, HeadlineOf(TriageText.Of(bytes)),
                $"the front page differs from the image's original ({entry.Before?.Size ?? 0} bytes, now {entry.After?.Size ?? 0}); see the diff in the case");
        }
    }

    /// <summary>What a visitor sees first: the title or first heading, else the start of the text without tags.</summary>
    private static string HeadlineOf(string html)
    {
        if (TriageText.FirstMatch(html, Headline()) is { } m)
        {
            return TriageText.Clip(WebUtility.HtmlDecode(m.Groups["t"].Value.Trim()));
        }

        string text;
        try
        {
            text = Tag().Replace(html, " ");
        }
        catch (RegexMatchTimeoutException)
        {
            text = html;
        }

        return TriageText.Clip(WebUtility.HtmlDecode(text).Trim());
    }
}
