using System.Globalization;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Views;

/// <summary>
/// One event of a case's timeline: a change-set entry at its modification time, or a lifecycle event of the
/// container (from its inspect) or of the response (from the custody log).
/// </summary>
public sealed record TimelineEvent(
    long TimeUnix,
    string Source,
    string Name,
    string Kind,
    string Mode,
    long Uid,
    long Gid,
    long Size,
    string? Sha256,
    string? Detail)
{
    public string TimeUtc => Timeline.Format(TimeUnix);

    /// <summary>The instant to the tick where the source has it (nanosecond mtimes, custody times), for ordering within a second.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Ticks { get; init; }

    /// <summary>The access and status-change times (Unix seconds) where the source had them (the layer), else 0: the bodyfile's atime and ctime.</summary>
    public long AtimeUnix { get; init; }

    public long CtimeUnix { get; init; }

    /// <summary>The nanoseconds within <see cref="TimeUnix"/>'s second, as precise as the source has them (a layer's mtime to the nanosecond, custody to 100 ns).</summary>
    public int Nanos { get; init; }

    /// <summary>True on an event shown without checking the case's hashes (--unverified); absent otherwise.</summary>
    public bool? Unverified { get; init; }
}

/// <summary>
/// The timeline of a case: every change-set entry (container-relative names, SHA-256 in the hash field) merged
/// with the container's lifecycle (created, started, finished from inspect; paused, committed, killed, renamed
/// and the replacement from the custody log), sorted by time. Written as timeline.body, a Sleuth Kit bodyfile
/// that mactime and plaso read, and printed as CSV or JSON Lines.
/// </summary>
public static class Timeline
{
    public const string FileName = CaseFiles.TimelineFile;

    private static readonly string[] LifecycleActions = ["container.", "replacement.", "contain", "redeploy.", "case.open"];

    public static List<TimelineEvent> Build(Manifest? manifest, JsonElement? inspect, IReadOnlyList<CustodyRecord> custody, ProcessesRecord? processes = null)
    {
        ArgumentNullException.ThrowIfNull(custody);
        var events = new List<TimelineEvent>();
        foreach (var entry in manifest?.Entries ?? [])
        {
            var record = SideOf(entry);
            if (record is null)
            {
                continue;
            }

            // Sleuth Kit's convention for a file that is gone: its last known metadata under its name plus " (deleted)".
            var name = entry.Kind == ChangeKind.Deleted ? entry.Path + " (deleted)" : entry.Path;
            events.Add(new TimelineEvent(record.MtimeUnix ?? 0, "file", name, KindLetter(entry.Kind), ModeString(record.Type, record.Mode),
                record.Uid ?? 0, record.Gid ?? 0, record.Size ?? 0, record.Sha256, entry.ContentChange)
            {
                Ticks = TicksOf(record), Nanos = NanosOf(record), AtimeUnix = record.AtimeUnix ?? 0, CtimeUnix = record.CtimeUnix ?? 0,
            });
        }

        foreach (var deleted in manifest?.DeletedContents ?? [])
        {
            events.Add(new TimelineEvent(deleted.Before.MtimeUnix ?? 0, "file", deleted.Path + " (deleted)", "D", ModeString(deleted.Before.Type, deleted.Before.Mode),
                deleted.Before.Uid ?? 0, deleted.Before.Gid ?? 0, deleted.Before.Size ?? 0, deleted.Before.Sha256, $"under deleted {deleted.UnderDeleted}")
            {
                Ticks = TicksOf(deleted.Before), Nanos = NanosOf(deleted.Before), AtimeUnix = deleted.Before.AtimeUnix ?? 0, CtimeUnix = deleted.Before.CtimeUnix ?? 0,
            });
        }

        if (inspect is { ValueKind: JsonValueKind.Object } c)
        {
            var who = c.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()!.TrimStart('/') : "container";
            AddLifecycle(events, c, "Created", "created", who);
            if (c.TryGetProperty("State", out var state) && state.ValueKind == JsonValueKind.Object)
            {
                AddLifecycle(events, state, "StartedAt", "started", who);
                AddLifecycle(events, state, "FinishedAt", "finished", who);
            }
        }

        foreach (var p in processes?.Processes ?? [])
        {
            if (p.StartedUtc is { } started)
            {
                var uid = p.Uids.Count > 0 ? p.Uids[0] : 0;
                var gid = p.Gids.Count > 0 ? p.Gids[0] : 0;
                events.Add(new TimelineEvent(started.ToUnixTimeSeconds(), "process", $"[pid {p.HostPid}] {string.Join(' ', p.Cmdline)}", "started", "----------",
                    uid, gid, 0, p.ProgramSha256, $"{p.Exe}{(p.ExeDeleted ? " (deleted)" : "")}") { Ticks = started.UtcTicks, Nanos = SubSecond(started) });
            }
        }

        foreach (var r in custody.Where(r => LifecycleActions.Any(a => r.Action.StartsWith(a, StringComparison.Ordinal))))
        {
            events.Add(new TimelineEvent(r.TimeUtc.ToUnixTimeSeconds(), "custody", $"[{r.Action}] {r.Target}", r.Outcome.ToString().ToLowerInvariant(),
                "----------", 0, 0, 0, null, r.Detail) { Ticks = r.TimeUtc.UtcTicks, Nanos = SubSecond(r.TimeUtc) });
        }

        // Stable: events of the same instant keep the order they were recorded in.
        return [.. events.OrderBy(e => e.Ticks)];
    }

    /// <summary>The record that stands for an entry in time: the original of a deleted one, else what the container holds (or, lacking it, the original).</summary>
    internal static FileRecord? SideOf(ManifestEntry entry) => entry.Kind == ChangeKind.Deleted ? entry.Before : entry.After ?? entry.Before;

    /// <summary>A record's mtime in ticks: its whole seconds plus the sub-second its nanosecond text gives.</summary>
    internal static long TicksOf(FileRecord record)
    {
        var seconds = Math.Clamp(record.MtimeUnix ?? 0, -62_135_596_800L, 253_402_300_799L);
        return ((seconds + 62_135_596_800L) * TimeSpan.TicksPerSecond) + (NanosOf(record) / 100);
    }

    /// <summary>A record's nanoseconds within its second, from its mtime text (up to nine digits), else 0.</summary>
    private static int NanosOf(FileRecord record)
    {
        if (record.Mtime is { } text && text.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 && text.EndsWith('Z'))
        {
            var fraction = text.AsSpan(dot + 1, text.Length - dot - 2);
            if (fraction.Length > 0 && !fraction.ContainsAnyExceptInRange('0', '9'))
            {
                var nanos = 0;
                for (var i = 0; i < 9; i++)
                {
                    nanos = (nanos * 10) + (i < fraction.Length ? fraction[i] - '0' : 0);
                }

                return nanos;
            }
        }

        return 0;
    }

    private static int SubSecond(DateTimeOffset time) => (int)(time.UtcTicks % TimeSpan.TicksPerSecond * 100);

    /// <summary>Builds the timeline from a case directory or bundle.</summary>
    public static async Task<List<TimelineEvent>> OfAsync(CaseContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var records = await CaseRecords.ReadAsync(content, [CaseDirectory.CaseFile, TriageReport.FileName, AuditReport.FileName], cancellationToken);
        if (records.Manifest is null && records.Inspect is null && records.Custody.Count == 0)
        {
            throw new DockerIRException(FailureKind.NotFound, $"{content.Location} has no manifest, inspect or custody log to build a timeline from");
        }

        return Build(records.Manifest, records.Inspect, records.Custody, records.Processes);
    }

    /// <summary>Sleuth Kit bodyfile 3.x: MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime.</summary>
    public static string ToBody(IEnumerable<TimelineEvent> events, bool unverified = false)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteBody(text, unverified ? events.Select(e => e with { Unverified = true }) : events);
        return text.ToString();
    }

    /// <summary>Writes the bodyfile line by line (a case's timeline.body goes straight to its file, never whole in memory).</summary>
    public static void WriteBody(TextWriter output, IEnumerable<TimelineEvent> events)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(events);
        Span<char> line = stackalloc char[256];
        foreach (var e in events)
        {
            // atime and ctime where the layer gave them (0 otherwise, which mactime leaves out); crtime is never known.
            output.Write(e.Sha256 ?? "0");
            output.Write('|');
            output.Write(BodyName(e));
            output.Write("|0|");
            output.Write(e.Mode);
            var done = line.TryWrite(CultureInfo.InvariantCulture, $"|{e.Uid}|{e.Gid}|{e.Size}|{e.AtimeUnix}|{e.TimeUnix}|{e.CtimeUnix}|0\n", out var n);
            System.Diagnostics.Debug.Assert(done, "seven numbers fit in 256 characters");
            output.Write(line[..n]);
        }
    }

    /// <summary>CSV; shown --unverified, every row ends with an <c>unverified</c> column that says so.</summary>
    public static string ToCsv(IEnumerable<TimelineEvent> events, bool unverified = false)
    {
        ArgumentNullException.ThrowIfNull(events);
        var mark = unverified ? ",true" : "";
        var sb = new StringBuilder("time_utc,unix,source,kind,name,mode,uid,gid,size,sha256,detail,nanos" + (unverified ? ",unverified" : "") + "\n");
        foreach (var e in events)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{e.TimeUtc},{e.TimeUnix},{Csv(e.Source)},{Csv(e.Kind)},{Csv(SafeText.Escape(e.Name))},{e.Mode},{e.Uid},{e.Gid},{e.Size},{Csv(e.Sha256)},{Csv(SafeText.Escape(e.Detail))},{e.Nanos}{mark}\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// CSV as Timesketch imports it: <c>message</c>, <c>datetime</c> (ISO 8601 with microseconds), <c>timestamp</c>
    /// (microseconds since the epoch), <c>timestamp_desc</c> (what the time is), then the event's own fields. The
    /// events keep their sub-second order.
    /// </summary>
    public static string ToTimesketchCsv(IEnumerable<TimelineEvent> events, bool unverified = false)
    {
        ArgumentNullException.ThrowIfNull(events);
        var sb = new StringBuilder("message,datetime,timestamp,timestamp_desc,source,kind,name,sha256,detail" + (unverified ? ",unverified" : "") + "\n");
        foreach (var e in events)
        {
            var seconds = Math.Clamp(e.TimeUnix, -62_135_596_800L, 253_402_300_799L);
            var micros = (seconds * 1_000_000) + (e.Nanos / 1000);
            var datetime = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(e.Nanos / 100).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);
            var desc = e.Source switch
            {
                "file" => e.Kind == "D" ? "Last Modification Time (deleted)" : "Modification Time",
                "process" => "Process Start Time",
                "container" => $"Container {e.Kind}",
                _ => "Response Action",
            };
            var message = e.Source == "file" ? $"{e.Kind} {e.Name}{(e.Sha256 is null ? "" : $" sha256 {e.Sha256}")}" : e.Name;
            sb.Append(CultureInfo.InvariantCulture,
                $"{Csv(SafeText.Escape(message))},{datetime},{micros},{Csv(desc)},{Csv(e.Source)},{Csv(e.Kind)},{Csv(SafeText.Escape(e.Name))},{Csv(e.Sha256)},{Csv(SafeText.Escape(e.Detail))}{(unverified ? ",true" : "")}\n");
        }

        return sb.ToString();
    }

    public static string ToJsonLines(IEnumerable<TimelineEvent> events, bool unverified = false)
    {
        ArgumentNullException.ThrowIfNull(events);
        var sb = new StringBuilder();
        foreach (var e in events)
        {
            sb.Append(JsonSerializer.Serialize(unverified ? e with { Unverified = true } : e, ViewsJson.Compact.TimelineEvent)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>An instant as ISO 8601 UTC; times no calendar holds (a hostile mtime) are clamped.</summary>
    public static string Format(long unix)
    {
        var clamped = Math.Clamp(unix, DateTimeOffset.MinValue.ToUnixTimeSeconds(), DateTimeOffset.MaxValue.ToUnixTimeSeconds());
        return DateTimeOffset.FromUnixTimeSeconds(clamped).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>A name on one bodyfile line: control characters escaped and '|' (the field separator) as %7C.</summary>
    private static string BodyName(TimelineEvent e) => (e.Unverified == true ? $"[{Case.CaseContent.UnverifiedMark}] " : "") + SafeText.Escape(e.Name).Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);

    /// <summary>
    /// One CSV field. A value a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
    /// return: a hostile file name such as "=HYPERLINK(...)") gets a leading apostrophe, so it is shown as text.
    /// </summary>
    internal static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string KindLetter(ChangeKind kind) => kind switch
    {
        ChangeKind.Added => "A",
        ChangeKind.Deleted => "D",
        _ => "C",
    };

    /// <summary>The ls-style mode string (e.g. -rwsr-xr-x) of a record's type and four-digit octal mode.</summary>
    public static string ModeString(string type, string? mode)
    {
        var bits = ManifestEntry.ModeBits(mode);
        var kind = type switch
        {
            "directory" => 1,
            "symlink" => 2,
            "charDevice" or "whiteout" => 3,
            "blockDevice" => 4,
            "fifo" => 5,
            "socket" => 6,
            _ => 0,
        };
        return ModeStrings[(kind << 12) | (bits & 0xFFF)] ??= MakeModeString(type, bits);
    }

    /// <summary>The mode strings made so far, by type and permission bits: a timeline of 100,000 entries holds a handful.</summary>
    private static readonly string?[] ModeStrings = new string?[7 << 12];

    private static string MakeModeString(string type, int bits)
    {
        var sb = new StringBuilder(10);
        sb.Append(type switch
        {
            "directory" => 'd',
            "symlink" => 'l',
            "charDevice" or "whiteout" => 'c',
            "blockDevice" => 'b',
            "fifo" => 'p',
            "socket" => 's',
            _ => '-',
        });
        for (var shift = 6; shift >= 0; shift -= 3)
        {
            var triple = (bits >> shift) & 7;
            var special = shift switch { 6 => (bits & 0x800) != 0, 3 => (bits & 0x400) != 0, _ => (bits & 0x200) != 0 };
            sb.Append((triple & 4) != 0 ? 'r' : '-');
            sb.Append((triple & 2) != 0 ? 'w' : '-');
            var exec = (triple & 1) != 0;
            sb.Append(special ? (shift == 0 ? (exec ? 't' : 'T') : (exec ? 's' : 'S')) : (exec ? 'x' : '-'));
        }

        return sb.ToString();
    }

    private static void AddLifecycle(List<TimelineEvent> events, JsonElement obj, string property, string what, string who)
    {
        if (obj.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1)
        {
            events.Add(new TimelineEvent(time.ToUnixTimeSeconds(), "container", $"[container {what}] {who}", what, "----------", 0, 0, 0, null, null) { Ticks = time.UtcTicks, Nanos = SubSecond(time) });
        }
    }
}
