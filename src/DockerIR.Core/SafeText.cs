using System.Globalization;
using System.Text;

namespace DockerIR.Core;

/// <summary>
/// Makes attacker-controlled text (file names, log excerpts, daemon messages) safe to print on one terminal
/// line: control characters, escape sequences and bidirectional overrides become visible escapes.
/// </summary>
public static class SafeText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        if (!NeedsEscape(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if (IsUnsafe(c))
                    {
                        sb.Append(c <= 0xFF ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// One line of a file's content shown as code (a report's diff or preview): as <see cref="Escape"/>, but a
    /// backslash stays itself and a tab becomes spaces, so the code reads as it was written.
    /// </summary>
    public static string EscapeCodeLine(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return line ?? "";
        }

        return string.Join('\\', line.Split('\\').Select(part => Escape(part.Replace("\t", "    ", StringComparison.Ordinal))));
    }

    private static bool NeedsEscape(string text)
    {
        foreach (var c in text)
        {
            if (c is '\\' || IsUnsafe(c) || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || char.IsSurrogate(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
