using System.Text;
using System.Text.RegularExpressions;

namespace DockerIR.Core.Triage;

/// <summary>How rules read hostile content: bytes as Latin-1 (one char per byte, never a decoding error), short escaped excerpts.</summary>
public static class TriageText
{
    public const int ExcerptLength = 160;

    /// <summary>Every regular expression of a rule gives up after this long, so a crafted file cannot stall triage.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    public static string Of(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>The matched text with a little context, on one line, escaped for a terminal.</summary>
    public static string Excerpt(string text, int index, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        var start = Math.Max(0, index - 20);
        var end = Math.Min(text.Length, index + Math.Max(length, 0) + 20);
        return Clip(text[start..end]);
    }

    /// <summary>The text on one line, escaped, cut to <see cref="ExcerptLength"/>.</summary>
    public static string Clip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var oneLine = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var escaped = SafeText.Escape(oneLine);
        return escaped.Length <= ExcerptLength ? escaped : escaped[..(ExcerptLength - 1)] + "…";
    }

    /// <summary>The first match of any of the patterns, or null (a pattern that times out counts as no match).</summary>
    public static Match? FirstMatch(string text, params ReadOnlySpan<Regex> patterns)
    {
        foreach (var pattern in patterns)
        {
            try
            {
                var m = pattern.Match(text);
                if (m.Success)
                {
                    return m;
                }
            }
            catch (RegexMatchTimeoutException)
            {
            }
        }

        return null;
    }

    /// <summary>The lines of <paramref name="after"/> that <paramref name="before"/> does not have, in order.</summary>
    public static List<string> AddedLines(string after, string? before)
    {
        ArgumentNullException.ThrowIfNull(after);
        var old = new HashSet<string>((before ?? "").Split('\n'), StringComparer.Ordinal);
        return after.Split('\n').Where(l => l.Length > 0 && !old.Contains(l)).ToList();
    }
}
