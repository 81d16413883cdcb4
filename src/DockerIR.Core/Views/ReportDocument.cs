using System.Net;
using System.Text;

namespace DockerIR.Core.Views;

/// <summary>
/// A table cell or a list item: its text and, on the HTML page, a link to an element of the same page, the full
/// value on hover (when the text is shortened), a badge (a severity) that never wraps, or a monospace face.
/// </summary>
public sealed record ReportCell(string Text)
{
    /// <summary>An element of the same page ("#file-2"): the only kind of link the report makes.</summary>
    public string? Href { get; init; }

    /// <summary>The full value, shown on hover.</summary>
    public string? Title { get; init; }

    /// <summary>Shown as a badge of this class (high, medium, low, info).</summary>
    public string? Badge { get; init; }

    public bool Code { get; init; }

    public static implicit operator ReportCell(string text) => new(text);

    public static ReportCell FromString(string text) => new(text);
}

/// <summary>A row of a table, with a class (e.g. its severity) and an id other elements link to.</summary>
public sealed record ReportRow(IReadOnlyList<ReportCell> Cells)
{
    public string? Css { get; init; }

    public string? Id { get; init; }
}

/// <summary>What a code block holds: text as written, a unified diff (added and removed lines coloured), or a hex dump.</summary>
public enum CodeKind
{
    Text,
    Diff,
    Hex,
}

/// <summary>One mark of the report's timeline picture: its lane, its instant, a short label, the full text on hover, and where it links.</summary>
public sealed record ChartMark(string Lane, long Ticks, string Label, string Detail)
{
    public const string Lifecycle = "lifecycle";
    public const string Attacker = "attacker";
    public const string Response = "response";

    public string? Href { get; init; }

    /// <summary>The number shown in the mark and in the timeline table's first column.</summary>
    public int Number { get; init; }
}

/// <summary>
/// A small document (headings, paragraphs, lists, tables, code, a box of key facts, a timeline picture) rendered as
/// Markdown or as one self-contained HTML page, so report.md and report.html hold the same sections. Every text is
/// escaped for its format: nothing from a container becomes markup, and the page loads nothing (no script, no
/// external resource; its own policy forbids both).
/// </summary>
public sealed class ReportDocument
{
    private readonly List<Block> blocks = [];

    /// <summary>A mark on every heading, and on every printed page of the HTML (e.g. <see cref="Case.CaseContent.UnverifiedMark"/>); none when null.</summary>
    public string? Mark { get; set; }

    private string Marked(string heading) => Mark is null ? heading : $"{heading} [{Mark}]";

    private abstract record Block;

    private sealed record Heading(int Level, string Text, string? Id) : Block;

    private sealed record Paragraph(IReadOnlyList<ReportCell> Parts) : Block;

    private sealed record ListBlock(IReadOnlyList<ReportCell> Items) : Block;

    private sealed record TableBlock(string[] Headers, List<ReportRow> Rows, string?[]? Widths) : Block;

    private sealed record CodeBlock(string Text, CodeKind Kind) : Block;

    private sealed record BoxBlock(string Css, string Id, string Headline, IReadOnlyList<(string Title, IReadOnlyList<ReportCell> Items)> Groups) : Block;

    private sealed record TocBlock : Block;

    private sealed record ChartBlock(IReadOnlyList<ChartMark> Marks) : Block;

    public ReportDocument H(int level, string text, string? id = null)
    {
        blocks.Add(new Heading(level, text, id));
        return this;
    }

    public ReportDocument P(string text) => P([text]);

    /// <summary>A paragraph of parts, some of them links.</summary>
    public ReportDocument P(IReadOnlyList<ReportCell> parts)
    {
        blocks.Add(new Paragraph(parts));
        return this;
    }

    public ReportDocument List(IEnumerable<ReportCell> items)
    {
        blocks.Add(new ListBlock([.. items]));
        return this;
    }

    /// <summary>A table; each row may carry a CSS class (e.g. the severity) for the HTML page.</summary>
    public ReportDocument Table(string[] headers, IEnumerable<(string? Css, string[] Cells)> rows, string?[]? widths = null) =>
        Table(headers, rows.Select(r => new ReportRow([.. r.Cells.Select(ReportCell.FromString)]) { Css = r.Css }), widths);

    /// <summary>A table of cells; <paramref name="widths"/> fixes each column's width on the page (CSS lengths; null leaves the rest to the others).</summary>
    public ReportDocument Table(string[] headers, IEnumerable<ReportRow> rows, string?[]? widths = null)
    {
        blocks.Add(new TableBlock(headers, [.. rows], widths));
        return this;
    }

    /// <summary>A block of a file's content (already bounded by the caller), shown as written: a line per line, control characters escaped.</summary>
    public ReportDocument Code(string text, CodeKind kind)
    {
        blocks.Add(new CodeBlock(text, kind));
        return this;
    }

    /// <summary>The box of key facts at the top: a headline (the verdict) and groups of items.</summary>
    public ReportDocument Box(string css, string id, string headline, IReadOnlyList<(string Title, IReadOnlyList<ReportCell> Items)> groups)
    {
        blocks.Add(new BoxBlock(css, id, headline, groups));
        return this;
    }

    /// <summary>A table of contents: the second-level headings that have an id, wherever they are.</summary>
    public ReportDocument Toc()
    {
        blocks.Add(new TocBlock());
        return this;
    }

    /// <summary>The timeline as a picture (HTML only: an inline SVG, lanes top to bottom, marks in time order left to right).</summary>
    public ReportDocument Chart(IReadOnlyList<ChartMark> marks)
    {
        blocks.Add(new ChartBlock(marks));
        return this;
    }

    private IEnumerable<Heading> TocEntries => blocks.OfType<Heading>().Where(h => h.Level == 2 && h.Id is not null);

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block)
            {
                case Heading h:
                    if (h.Id is not null)
                    {
                        sb.Append("<a id=\"").Append(Html(h.Id)).Append("\"></a>\n\n");
                    }

                    sb.Append('#', h.Level).Append(' ').Append(Md(Marked(h.Text))).Append("\n\n");
                    break;
                case Paragraph p:
                    sb.AppendJoin("", p.Parts.Select(MdCell)).Append("\n\n");
                    break;
                case ListBlock l:
                    foreach (var item in l.Items)
                    {
                        sb.Append("- ").Append(MdCell(item)).Append('\n');
                    }

                    sb.Append('\n');
                    break;
                case TableBlock t:
                    sb.Append("| ").AppendJoin(" | ", t.Headers.Select(Md)).Append(" |\n");
                    sb.Append('|').AppendJoin('|', t.Headers.Select(_ => "---")).Append("|\n");
                    foreach (var row in t.Rows)
                    {
                        if (row.Id is not null)
                        {
                            sb.Append("| <a id=\"").Append(Html(row.Id)).Append("\"></a>").Append(MdCell(row.Cells[0]));
                            sb.Append(row.Cells.Count > 1 ? " | " : "").AppendJoin(" | ", row.Cells.Skip(1).Select(MdCell)).Append(" |\n");
                        }
                        else
                        {
                            sb.Append("| ").AppendJoin(" | ", row.Cells.Select(MdCell)).Append(" |\n");
                        }
                    }

                    sb.Append('\n');
                    break;
                case CodeBlock c:
                    var lines = CodeLines(c.Text);
                    // A fence longer than any run of backticks in the content, so the content cannot end it.
                    var fence = new string('`', Math.Max(3, LongestRun(lines, '`') + 1));
                    sb.Append(fence).Append(c.Kind == CodeKind.Diff ? "diff" : "text").Append('\n');
                    foreach (var line in lines)
                    {
                        sb.Append(line).Append('\n');
                    }

                    sb.Append(fence).Append("\n\n");
                    break;
                case BoxBlock b:
                    sb.Append("<a id=\"").Append(Html(b.Id)).Append("\"></a>\n\n");
                    sb.Append("> **").Append(Md(b.Headline)).Append("**\n");
                    foreach (var (title, items) in b.Groups)
                    {
                        sb.Append(">\n> **").Append(Md(title)).Append("**\n>\n");
                        foreach (var item in items)
                        {
                            sb.Append("> - ").Append(MdCell(item)).Append('\n');
                        }
                    }

                    sb.Append('\n');
                    break;
                case TocBlock:
                    foreach (var h in TocEntries)
                    {
                        sb.Append("- [").Append(Md(h.Text)).Append("](#").Append(h.Id).Append(")\n");
                    }

                    sb.Append('\n');
                    break;
                case ChartBlock:
                    // The picture is the HTML page's; the table that follows it holds the same events with their lanes.
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
            .Append("<title>").Append(Html(title)).Append("</title>\n<style>\n").Append(Css).Append("</style></head><body>\n");
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
                    sb.Append("<h").Append(h.Level);
                    if (h.Id is not null)
                    {
                        sb.Append(" id=\"").Append(Html(h.Id)).Append('"');
                    }

                    sb.Append('>').Append(Html(Marked(h.Text))).Append("</h").Append(h.Level).Append(">\n");
                    break;
                case Paragraph p:
                    sb.Append("<p>");
                    foreach (var part in p.Parts)
                    {
                        HtmlCell(sb, part);
                    }

                    sb.Append("</p>\n");
                    break;
                case ListBlock l:
                    HtmlList(sb, l.Items);
                    break;
                case TableBlock t:
                    HtmlTable(sb, t);
                    break;
                case CodeBlock c:
                    HtmlCode(sb, c);
                    break;
                case BoxBlock b:
                    sb.Append("<section class=\"glance ").Append(Html(b.Css)).Append("\" id=\"").Append(Html(b.Id)).Append("\">\n<p class=\"verdict\">")
                        .Append(Html(b.Headline)).Append("</p>\n");
                    foreach (var (groupTitle, items) in b.Groups)
                    {
                        sb.Append("<h3>").Append(Html(Marked(groupTitle))).Append("</h3>\n");
                        HtmlList(sb, items);
                    }

                    sb.Append("</section>\n");
                    break;
                case TocBlock:
                    sb.Append("<nav class=\"toc\"><ol>");
                    foreach (var h in TocEntries)
                    {
                        sb.Append("<li><a href=\"#").Append(Html(h.Id!)).Append("\">").Append(Html(h.Text)).Append("</a></li>");
                    }

                    sb.Append("</ol></nav>\n");
                    break;
                case ChartBlock chart:
                    ReportChart.Render(sb, chart.Marks);
                    break;
            }
        }

        return sb.Append("</body></html>\n").ToString();
    }

    private const string Css = """
        body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222;line-height:1.4}
        table{border-collapse:collapse;margin:0 0 1.5em 0;width:100%;font-size:.9em;table-layout:fixed}
        th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
        th{background:#f0f0f0;overflow-wrap:normal}
        tr.high td:first-child{background:#fdecec}tr.medium td:first-child{background:#fff6e0}
        .sev{display:inline-block;white-space:nowrap;padding:1px 7px;border-radius:3px;font-size:.85em;font-weight:bold}
        .sev.high{background:#c62828;color:#fff}.sev.medium{background:#f9a825;color:#000}.sev.low{background:#90caf9;color:#000}.sev.info{background:#ddd;color:#000}
        .code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}
        pre{background:#f7f7f7;border:1px solid #ddd;padding:6px 8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85em;margin:0 0 1.2em 0}
        pre span{display:block}pre .add{background:#e6ffec;color:#116329}pre .del{background:#ffebe9;color:#82071e}pre .hunk{color:#6639ba}
        .glance{border:2px solid #c62828;border-radius:6px;padding:.4em 1.2em;margin:1em 0 1.5em 0;background:#fff8f8}
        .glance.suspicious{border-color:#f9a825;background:#fffdf3}.glance.clean{border-color:#2e7d32;background:#f6fff6}.glance.unknown{border-color:#888;background:#fafafa}
        .glance h3{margin:.8em 0 .2em 0;font-size:1em}.glance ul{margin:.2em 0 .6em 0}
        .verdict{font-size:1.35em;font-weight:bold;margin:.4em 0}
        nav.toc ol{columns:2;margin:0 0 1.5em 0}
        svg.chart{width:100%;height:auto;border:1px solid #ddd;margin:0 0 1em 0}
        a{color:#0b57d0}
        .mark{position:fixed;top:0;left:0;right:0;background:#b00;color:#fff;font-weight:bold;text-align:center;padding:2px}
        @media print{
        body{margin:0;max-width:none;font-size:10pt}
        a{color:inherit;text-decoration:none}
        h2,h3{break-after:avoid}
        tr,pre,svg.chart,.glance{break-inside:avoid}
        .sev{border:1px solid #000;print-color-adjust:exact;-webkit-print-color-adjust:exact}
        pre .add,pre .del,tr.high td:first-child,tr.medium td:first-child{print-color-adjust:exact;-webkit-print-color-adjust:exact}
        }
        @page{margin:1.5cm}

        """;

    private static void HtmlList(StringBuilder sb, IReadOnlyList<ReportCell> items)
    {
        sb.Append("<ul>\n");
        foreach (var item in items)
        {
            sb.Append("<li>");
            HtmlCell(sb, item);
            sb.Append("</li>\n");
        }

        sb.Append("</ul>\n");
    }

    private static void HtmlTable(StringBuilder sb, TableBlock t)
    {
        sb.Append("<table>");
        if (t.Widths is { } widths)
        {
            sb.Append("<colgroup>");
            foreach (var width in widths)
            {
                sb.Append(width is null ? "<col>" : $"<col style=\"width:{Html(width)}\">");
            }

            sb.Append("</colgroup>");
        }

        sb.Append("<thead><tr>");
        foreach (var header in t.Headers)
        {
            sb.Append("<th>").Append(Html(header)).Append("</th>");
        }

        sb.Append("</tr></thead><tbody>\n");
        foreach (var row in t.Rows)
        {
            sb.Append("<tr");
            if (row.Css is not null)
            {
                sb.Append(" class=\"").Append(Html(row.Css)).Append('"');
            }

            if (row.Id is not null)
            {
                sb.Append(" id=\"").Append(Html(row.Id)).Append('"');
            }

            sb.Append('>');
            foreach (var cell in row.Cells)
            {
                sb.Append("<td>");
                HtmlCell(sb, cell);
                sb.Append("</td>");
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</tbody></table>\n");
    }

    private static void HtmlCell(StringBuilder sb, ReportCell cell)
    {
        var href = InternalHref(cell.Href);
        if (href is not null)
        {
            sb.Append("<a href=\"").Append(Html(href)).Append("\">");
        }

        var classes = cell.Badge is not null ? "sev " + cell.Badge : cell.Code ? "code" : null;
        if (classes is not null || cell.Title is not null)
        {
            sb.Append("<span");
            if (classes is not null)
            {
                sb.Append(" class=\"").Append(Html(classes)).Append('"');
            }

            if (cell.Title is not null)
            {
                sb.Append(" title=\"").Append(Html(cell.Title)).Append('"');
            }

            sb.Append('>').Append(Html(cell.Text)).Append("</span>");
        }
        else
        {
            sb.Append(Html(cell.Text));
        }

        if (href is not null)
        {
            sb.Append("</a>");
        }
    }

    private static void HtmlCode(StringBuilder sb, CodeBlock c)
    {
        sb.Append("<pre class=\"").Append(c.Kind.ToString().ToLowerInvariant()).Append("\">");
        foreach (var line in CodeLines(c.Text))
        {
            var css = c.Kind != CodeKind.Diff ? null
                : line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) ? "file"
                : line.StartsWith('+') ? "add"
                : line.StartsWith('-') ? "del"
                : line.StartsWith("@@", StringComparison.Ordinal) ? "hunk"
                : null;
            sb.Append(css is null ? "<span>" : $"<span class=\"{css}\">").Append(WebUtility.HtmlEncode(line.Length == 0 ? " " : line)).Append("</span>");
        }

        sb.Append("</pre>\n");
    }

    /// <summary>The lines of a code block, each made safe to show as written (control characters escaped; a backslash stays itself).</summary>
    private static List<string> CodeLines(string text) =>
        [.. text.TrimEnd('\n').Split('\n').Select(l => SafeText.EscapeCodeLine(l.TrimEnd('\r')))];

    private static int LongestRun(IEnumerable<string> lines, char c)
    {
        var longest = 0;
        foreach (var line in lines)
        {
            var run = 0;
            foreach (var ch in line)
            {
                run = ch == c ? run + 1 : 0;
                longest = Math.Max(longest, run);
            }
        }

        return longest;
    }

    private static string MdCell(ReportCell cell)
    {
        var text = Md(cell.Text);
        return InternalHref(cell.Href) is { } h ? $"[{text}]({h})" : text;
    }

    /// <summary>The link if it is to an element of the page itself ("#id"); any other is dropped, never followed.</summary>
    internal static string? InternalHref(string? href) => href is { Length: > 1 } && href[0] == '#' ? href : null;

    internal static string Md(string text)
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

    internal static string Html(string text) => WebUtility.HtmlEncode(SafeText.Escape(text));
}
