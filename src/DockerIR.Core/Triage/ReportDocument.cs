using System.Net;
using System.Text;

namespace DockerIR.Core.Triage;

/// <summary>
/// A small document (headings, paragraphs, tables) rendered as Markdown or as one self-contained HTML page, so
/// report.md and report.html say the same thing. Every text is escaped for its format: nothing from a container
/// becomes markup.
/// </summary>
public sealed class ReportDocument
{
    private readonly List<Block> blocks = [];

    /// <summary>A mark on every heading, and on every printed page of the HTML (e.g. <see cref="Case.CaseContent.UnverifiedMark"/>); none when null.</summary>
    public string? Mark { get; set; }

    private string Marked(string heading) => Mark is null ? heading : $"{heading} [{Mark}]";

    private abstract record Block;

    private sealed record Heading(int Level, string Text) : Block;

    private sealed record Paragraph(string Text) : Block;

    private sealed record TableBlock(string[] Headers, List<(string? Css, string[] Cells)> Rows) : Block;

    public ReportDocument H(int level, string text)
    {
        blocks.Add(new Heading(level, text));
        return this;
    }

    public ReportDocument P(string text)
    {
        blocks.Add(new Paragraph(text));
        return this;
    }

    /// <summary>A table; each row may carry a CSS class (e.g. the severity) for the HTML page.</summary>
    public ReportDocument Table(string[] headers, IEnumerable<(string? Css, string[] Cells)> rows)
    {
        blocks.Add(new TableBlock(headers, rows.ToList()));
        return this;
    }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    sb.Append('#', h.Level).Append(' ').Append(Md(Marked(h.Text))).Append("\n\n");
                    break;
                case Paragraph p:
                    sb.Append(Md(p.Text)).Append("\n\n");
                    break;
                case TableBlock t:
                    sb.Append("| ").AppendJoin(" | ", t.Headers.Select(Md)).Append(" |\n");
                    sb.Append('|').AppendJoin('|', t.Headers.Select(_ => "---")).Append("|\n");
                    foreach (var (_, cells) in t.Rows)
                    {
                        sb.Append("| ").AppendJoin(" | ", cells.Select(Md)).Append(" |\n");
                    }

                    sb.Append('\n');
                    break;
            }
        }

        return sb.ToString();
    }

    public string ToHtml(string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<title>").Append(Html(title)).Append("</title>\n<style>\n")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}\n")
            .Append("table{border-collapse:collapse;margin:0 0 1.5em 0;width:100%;font-size:.9em}\n")
            .Append("th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top;word-break:break-word}\n")
            .Append("th{background:#f0f0f0}tr.high td:first-child{background:#f8d0d0;font-weight:bold}\n")
            .Append("tr.medium td:first-child{background:#fbe8c0}tr.low td:first-child{background:#eef}\n")
            .Append(".mark{position:fixed;top:0;left:0;right:0;background:#b00;color:#fff;font-weight:bold;text-align:center;padding:2px}\n")
            .Append("</style></head><body>\n");
        if (Mark is not null)
        {
            // Fixed: on every screen, and repeated on every printed page.
            sb.Append("<div class=\"mark\">").Append(Html(Mark)).Append("</div>\n");
        }

        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    sb.Append("<h").Append(h.Level).Append('>').Append(Html(Marked(h.Text))).Append("</h").Append(h.Level).Append(">\n");
                    break;
                case Paragraph p:
                    sb.Append("<p>").Append(Html(p.Text)).Append("</p>\n");
                    break;
                case TableBlock t:
                    sb.Append("<table><thead><tr>");
                    foreach (var header in t.Headers)
                    {
                        sb.Append("<th>").Append(Html(header)).Append("</th>");
                    }

                    sb.Append("</tr></thead><tbody>\n");
                    foreach (var (css, cells) in t.Rows)
                    {
                        sb.Append(css is null ? "<tr>" : $"<tr class=\"{Html(css)}\">");
                        foreach (var cell in cells)
                        {
                            sb.Append("<td>").Append(Html(cell)).Append("</td>");
                        }

                        sb.Append("</tr>\n");
                    }

                    sb.Append("</tbody></table>\n");
                    break;
            }
        }

        return sb.Append("</body></html>\n").ToString();
    }

    private static string Md(string text)
    {
        var safe = SafeText.Escape(text);
        var sb = new StringBuilder(safe.Length + 8);
        foreach (var c in safe)
        {
            switch (c)
            {
                case '|' or '`' or '*' or '_' or '[' or ']' or '#' or '\\':
                    sb.Append('\\').Append(c);
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '&':
                    sb.Append("&amp;");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    private static string Html(string text) => WebUtility.HtmlEncode(SafeText.Escape(text));
}
