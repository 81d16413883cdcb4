using System.Globalization;
using System.Text;

namespace DockerIR.Core.Views;

/// <summary>
/// The report's picture of the breach: an inline SVG (no script, nothing loaded) with three lanes (the container's
/// lifecycle, the attacker's changes, the response's actions) and one numbered mark per event. Marks stand in time
/// order, evenly spaced, so events a few milliseconds apart stay apart; a dashed line with the gap ("+3 min") marks
/// where time jumps. Each mark's label is short; its full text shows on hover and in the table below it.
/// </summary>
internal static class ReportChart
{
    /// <summary>The most marks drawn; the table below the picture lists every event.</summary>
    public const int MaxMarks = 160;

    private const int Left = 104;
    private const int Top = 30;
    private const int LaneHeight = 112;
    private const int AxisHeight = 92;
    private const int MaxLabel = 24;

    private static readonly (string Lane, string Title, string Colour)[] Lanes =
    [
        (ChartMark.Lifecycle, "Container", "#546e7a"),
        (ChartMark.Attacker, "Attacker", "#c62828"),
        (ChartMark.Response, "Response", "#1565c0"),
    ];

    public static void Render(StringBuilder sb, IReadOnlyList<ChartMark> all)
    {
        var marks = all.Take(MaxMarks).ToList();
        var slot = marks.Count <= 40 ? 30 : marks.Count <= 80 ? 22 : 16;
        var width = Math.Max(720, Left + (marks.Count * slot) + 150);
        var axis = Top + (Lanes.Length * LaneHeight);
        var height = axis + AxisHeight;
        var inv = CultureInfo.InvariantCulture;
        // Never drawn larger than its natural size: a short timeline stays readable instead of growing to the page's width.
        sb.Append(inv, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" style=\"max-width:{width}px\" role=\"img\" aria-label=\"Timeline of the breach\">\n");
        sb.Append("<title>Timeline of the breach: the container's lifecycle, the attacker's changes and the response's actions, in time order</title>\n");
        for (var i = 0; i < Lanes.Length; i++)
        {
            var y = Top + (i * LaneHeight);
            sb.Append(inv, $"<rect x=\"0\" y=\"{y}\" width=\"{width}\" height=\"{LaneHeight}\" fill=\"{(i % 2 == 0 ? "#f7f9fa" : "#ffffff")}\"/>");
            sb.Append(inv, $"<text x=\"8\" y=\"{y + LaneHeight - 12}\" font-size=\"13\" font-weight=\"bold\" fill=\"{Lanes[i].Colour}\">{Lanes[i].Title}</text>\n");
        }

        sb.Append(inv, $"<line x1=\"{Left - 6}\" y1=\"{axis}\" x2=\"{width - 10}\" y2=\"{axis}\" stroke=\"#999\"/>\n");
        string? lastTime = null;
        string? lastDay = null;
        string? firstDay = null;
        for (var i = 0; i < marks.Count; i++)
        {
            var m = marks[i];
            var x = Left + (i * slot) + (slot / 2);
            if (i > 0 && m.Ticks - marks[i - 1].Ticks is var gap and > 2 * TimeSpan.TicksPerSecond)
            {
                var gx = Left + (i * slot);
                sb.Append(inv, $"<line x1=\"{gx}\" y1=\"{Top - 14}\" x2=\"{gx}\" y2=\"{axis}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>");
                sb.Append(inv, $"<text x=\"{gx + 3}\" y=\"{Top - 4}\" font-size=\"10\" fill=\"#555\">+{Gap(gap)}</text>\n");
            }

            var lane = Array.FindIndex(Lanes, l => l.Lane == m.Lane);
            if (lane < 0)
            {
                continue;
            }

            var cy = Top + (lane * LaneHeight) + LaneHeight - 18;
            var colour = Lanes[lane].Colour;
            var href = ReportDocument.InternalHref(m.Href);
            if (href is not null)
            {
                sb.Append("<a href=\"").Append(ReportDocument.Html(href)).Append("\">");
            }

            sb.Append("<g class=\"ev ").Append(m.Lane).Append("\" data-lane=\"").Append(m.Lane).Append("\" data-name=\"").Append(ReportDocument.Html(m.Label))
                .Append("\"><title>").Append(ReportDocument.Html(m.Detail)).Append("</title>");
            sb.Append(inv, $"<line x1=\"{x}\" y1=\"{cy}\" x2=\"{x}\" y2=\"{axis}\" stroke=\"{colour}\" stroke-opacity=\"0.25\"/>");
            sb.Append(inv, $"<circle cx=\"{x}\" cy=\"{cy}\" r=\"{(slot >= 22 ? 9 : 6)}\" fill=\"{colour}\"/>");
            if (slot >= 22)
            {
                sb.Append(inv, $"<text x=\"{x}\" y=\"{cy + 3.5}\" font-size=\"{(m.Number >= 100 ? 7 : 9)}\" text-anchor=\"middle\" fill=\"#fff\">{m.Number}</text>");
            }

            var label = m.Label.Length > MaxLabel ? m.Label[..(MaxLabel - 1)] + "…" : m.Label;
            sb.Append(inv, $"<text transform=\"translate({x + 4},{cy - 12}) rotate(-45)\" font-size=\"11\" fill=\"#222\">{ReportDocument.Html(label)}</text>");
            sb.Append("</g>");
            if (href is not null)
            {
                sb.Append("</a>");
            }

            // The time under the mark, to the millisecond; once per distinct value, with the day where it changes after the first.
            var when = UtcOf(m.Ticks);
            var time = when.ToString("HH:mm:ss.fff", inv);
            var day = when.ToString("yyyy-MM-dd", inv);
            firstDay ??= day;
            if (time != lastTime)
            {
                var text = day != lastDay && lastDay is not null ? $"{when.ToString("MM-dd", inv)} {time}" : time;
                sb.Append(inv, $"<text transform=\"translate({x - 3},{axis + 8}) rotate(55)\" font-size=\"10\" fill=\"#444\">{text}</text>");
                lastTime = time;
                lastDay = day;
            }

            sb.Append('\n');
        }

        sb.Append(inv, $"<text x=\"8\" y=\"{axis + 16}\" font-size=\"10\" fill=\"#444\">UTC</text><text x=\"8\" y=\"{axis + 30}\" font-size=\"10\" fill=\"#444\">{firstDay}</text>\n");
        sb.Append("</svg>\n");
    }

    /// <summary>An instant in ticks as a UTC time; a hostile one is clamped to the calendar's range, never thrown on.</summary>
    internal static DateTime UtcOf(long ticks) => new(Math.Clamp(ticks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Gap(long ticks)
    {
        var span = TimeSpan.FromTicks(ticks);
        return span.TotalMinutes < 1 ? $"{Number(span.TotalSeconds)} s"
            : span.TotalHours < 1 ? $"{Number(span.TotalMinutes)} min"
            : span.TotalDays < 1 ? $"{Number(span.TotalHours)} h"
            : $"{Number(span.TotalDays)} d";
    }
}
