using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Views;

namespace DockerIR.Core.Tests;

public sealed class TimelineTests
{
    [Theory]
    [InlineData("file", "0644", "-rw-r--r--")]
    [InlineData("file", "4755", "-rwsr-xr-x")]
    [InlineData("directory", "1777", "drwxrwxrwt")]
    [InlineData("symlink", "0777", "lrwxrwxrwx")]
    [InlineData("fifo", "0600", "prw-------")]
    [InlineData("file", "9x", "----------")]
    public void ModeString_IsLsStyle(string type, string mode, string expected) => Assert.Equal(expected, Timeline.ModeString(type, mode));

    /// <summary>A complete manifest of these entries (the one test manifest of the Core tests).</summary>
    internal static Manifest ManifestOf(params ManifestEntry[] entries) => new()
    {
        CaseId = "c", CreatedUtc = DateTimeOffset.UnixEpoch, ToolVersion = "0", ContainerId = "id", ContainerName = "web", OriginalImage = "i",
        OriginalImageId = "i", EvidenceImageId = "e", AfterSource = "layer", AfterSourceDetail = "", BeforeSource = "layer", BeforeSourceDetail = "",
        Limits = ExtractionLimits.Default, Complete = true, Entries = entries,
    };

    [Fact]
    public void ToBody_ElevenFieldsPerLine_HostileNamesCannotSplitALine()
    {
        var manifest = ManifestOf(
            new ManifestEntry { Path = "/tmp/a|b\nc", Kind = ChangeKind.Added, Classification = Classification.Suspicious, After = new FileRecord { Type = "file", Mode = "0644", Size = 3, MtimeUnix = 200, Source = "after", Sha256 = "ab" } },
            new ManifestEntry { Path = "/var/log/auth.log", Kind = ChangeKind.Deleted, Classification = Classification.Suspicious, Before = new FileRecord { Type = "file", Mode = "0640", Size = 9, MtimeUnix = 100, Source = "before", Sha256 = "cd" } });
        var custody = new List<CustodyRecord> { new(DateTimeOffset.FromUnixTimeSeconds(300), "op", "h", "0", "c", "container.kill", "web (id)", CustodyOutcome.Succeeded, null) };

        var events = Timeline.Build(manifest, null, custody);
        var lines = Timeline.ToBody(events).TrimEnd('\n').Split('\n');

        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal(11, l.Split('|').Length));
        Assert.Equal("cd|/var/log/auth.log (deleted)|0|-rw-r-----|0|0|9|0|100|0|0", lines[0]);
        Assert.Equal("ab|/tmp/a%7Cb\\nc|0|-rw-r--r--|0|0|3|0|200|0|0", lines[1]);
        Assert.StartsWith("0|[container.kill] web (id)|0|----------|", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void SubSecondOrder_IsKeptInEveryFormat_WithNanosecondsInCsvJsonlAndMicrosecondsForTimesketch()
    {
        // The shell written 8 ms before the defacement, both in the same second: their order and their instants survive.
        var manifest = ManifestOf(
            new ManifestEntry { Path = "/w/index.html", Kind = ChangeKind.Changed, Classification = Classification.Suspicious,
                After = new FileRecord { Type = "file", Mode = "0644", Size = 3, MtimeUnix = 1000, Mtime = "1970-01-01T00:16:40.250000123Z", Source = "after", Sha256 = "ab" } },
            new ManifestEntry { Path = "/w/shell.php", Kind = ChangeKind.Added, Classification = Classification.Suspicious,
                After = new FileRecord { Type = "file", Mode = "0644", Size = 3, MtimeUnix = 1000, Mtime = "1970-01-01T00:16:40.242000987Z", Source = "after", Sha256 = "cd", AtimeUnix = 900, CtimeUnix = 1100 } });
        var custody = new List<CustodyRecord> { new(DateTimeOffset.FromUnixTimeMilliseconds(1_000_500), "op", "h", "0", "c", "container.commit", "web (id)", CustodyOutcome.Succeeded, null) };

        var events = Timeline.Build(manifest, null, custody);

        Assert.Equal(["/w/shell.php", "/w/index.html", "[container.commit] web (id)"], events.Select(e => e.Name));
        Assert.Equal([242000987, 250000123, 500000000], events.Select(e => e.Nanos));
        // The layer's atime and ctime fill the bodyfile's fields (a faked mtime shows against its ctime); 0 where unknown.
        var body = Timeline.ToBody(events).Split('\n');
        Assert.EndsWith("|0|3|900|1000|1100|0", body[0], StringComparison.Ordinal);
        Assert.EndsWith("|0|3|0|1000|0|0", body[1], StringComparison.Ordinal);
        var csv = Timeline.ToCsv(events).Split('\n');
        Assert.EndsWith(",nanos", csv[0], StringComparison.Ordinal);
        Assert.EndsWith(",242000987", csv[1], StringComparison.Ordinal);
        Assert.Contains("\"nanos\":250000123", Timeline.ToJsonLines(events), StringComparison.Ordinal);
        var sketch = Timeline.ToTimesketchCsv(events).Split('\n');
        Assert.Equal("message,datetime,timestamp,timestamp_desc,source,kind,name,sha256,detail", sketch[0]);
        Assert.StartsWith("A /w/shell.php sha256 cd,1970-01-01T00:16:40.242000+00:00,1000242000,Modification Time,", sketch[1], StringComparison.Ordinal);
        Assert.StartsWith("C /w/index.html sha256 ab,1970-01-01T00:16:40.250000+00:00,1000250000,Modification Time,", sketch[2], StringComparison.Ordinal);
        Assert.StartsWith("[container.commit] web (id),1970-01-01T00:16:40.500000+00:00,1000500000,Response Action,", sketch[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Format_HostileTimes_AreClampedNotThrown()
    {
        Assert.Equal("9999-12-31T23:59:59Z", Timeline.Format(long.MaxValue));
        Assert.Equal("0001-01-01T00:00:00Z", Timeline.Format(long.MinValue));
    }
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("/var/www/a,b", "\"/var/www/a,b\"")]
    [InlineData("/var/www/index.html", "/var/www/index.html")]
    public void Csv_AFormulaIsText_AndSeparatorsAreQuoted(string value, string field) => Assert.Equal(field, Timeline.Csv(value));

    [Fact]
    public void ToCsv_AHostileNameCannotBecomeAFormula()
    {
        var events = new[] { new TimelineEvent(1, "file", "=cmd|'/c calc'!A1", "A", "-rw-r--r--", 0, 0, 3, "=1+1", "@x") };

        var row = Timeline.ToCsv(events).Split('\n')[1];

        Assert.Equal("1970-01-01T00:00:01Z,1,file,A,'=cmd|'/c calc'!A1,-rw-r--r--,0,0,3,'=1+1,'@x,0", row);
    }
}
