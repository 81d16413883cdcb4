using System.Text.RegularExpressions;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Views;

namespace DockerIR.Core.Tests;

/// <summary>
/// The report built from records in memory: verdict first, a picture with one mark per suspicious change and per
/// response action, findings linked to their files and back, and nothing a container wrote becoming markup.
/// </summary>
public sealed partial class CaseReportTests
{
    private const string Hostile = "/var/www/<script>alert(1)</script>\"'`x.php";
    private const string Shell = "/var/www/html/shell.php";

    private static FileRecord File(string mtime, string sha, long size = 10) => new()
    {
        Type = "file", Mode = "0644", Uid = 0, Gid = 0, Size = size, Mtime = mtime, MtimeUnix = DateTimeOffset.Parse(mtime, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds(),
        Ctime = mtime, Source = "after", Sha256 = sha, Tar = Manifest.AfterTar, Member = "m",
    };

    private static CustodyRecord Custody(int ms, string action, CustodyOutcome outcome = CustodyOutcome.Succeeded, string? detail = null) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000 + ms), "op", "h", "0", "c", action, "web (" + new string('a', 64) + ")", outcome, detail);

    private static CaseRecords Records()
    {
        var manifest = TimelineTests.ManifestOf(
            new ManifestEntry { Path = "/var", Kind = ChangeKind.Changed, Classification = Classification.Suspicious, Reasons = ["parent-of-suspicious"], After = new FileRecord { Type = "directory", Source = "after" } },
            new ManifestEntry { Path = "/var/www/html/index.html", Kind = ChangeKind.Changed, Classification = Classification.Suspicious, Reasons = ["web-index"],
                After = File("1970-01-12T13:46:40.250000123Z", "aa"), Before = File("1970-01-01T00:00:01Z", "bb"), Diff = "artifacts/diffs/000002.diff", ContentChange = "content" },
            new ManifestEntry { Path = Shell, Kind = ChangeKind.Added, Classification = Classification.Suspicious, Reasons = ["web-script"], After = File("1970-01-12T13:46:40.242000987Z", "cc") },
            new ManifestEntry { Path = Hostile, Kind = ChangeKind.Added, Classification = Classification.Suspicious, Reasons = ["web-script"], After = File("1970-01-12T13:46:40.300000000Z", "dd") },
            new ManifestEntry { Path = "/var/run/x.pid", Kind = ChangeKind.Added, Classification = Classification.Runtime, After = File("1970-01-12T13:46:40.400000000Z", "ee") });
        TriageFinding Finding(string rule, string family, string path, string excerpt) => new(rule, family, Severity.High, path, excerpt, "why " + rule);
        var triage = new TriageReport(1, "c", DateTimeOffset.UnixEpoch, "0", 5, 3, 30, [],
        [
            Finding("webshell.eval-input", "web-shell", Shell, "eval($_POST['x'])"),
            Finding("defacement.index-changed", "defacement", "/var/www/html/index.html", "HACKED"),
            Finding("webshell.exec-input", "web-shell", Hostile, "</td><img src=x onerror=alert(1)>"),
        ]);
        var record = new CaseRecord(1, "c", DateTimeOffset.FromUnixTimeSeconds(1_000_000), "0", "unix:///x",
            new CaseContainer(new string('a', 64), "web", "img:1", "sha256:" + new string('b', 64), "running"),
            new CaseSnapshot("sha256:" + new string('c', 64), "dockerir-evidence/web:c", DateTimeOffset.FromUnixTimeMilliseconds(1_000_000_200), false, 5, 4));
        return new CaseRecords(record, manifest, triage, null, null,
        [
            Custody(0, "case.open"), Custody(100, "container.pause"), Custody(110, "container.inspect"), Custody(150, "container.commit", CustodyOutcome.Started),
            Custody(200, "container.commit"), Custody(900, "replacement.preflight"), Custody(1000, "container.kill"), Custody(1200, "replacement.start"),
            Custody(1300, "replacement.probe", detail: "http http://127.0.0.1:8080/: HTTP 200"), Custody(1400, "extract.manifest"), Custody(1500, "bundle.seal"),
        ]);
    }

    private static (string Html, string Markdown) Render(ReportContents? contents = null)
    {
        var (title, doc) = CaseReport.Build(Records(), "case", DateTimeOffset.UnixEpoch, contents: contents);
        return (doc.ToHtml(title), doc.ToMarkdown());
    }

    private static ReportContents Contents()
    {
        var contents = new ReportContents();
        contents.Diffs["/var/www/html/index.html"] = "--- a/i\n+++ b/i\n@@ -1 +1 @@\n-<h1>Welcome</h1>\n+<h1>HACKED</h1><script>alert(1)</script>\n";
        var head = "<?php eval($_POST['x']); /* ```` </pre> \u001b[31m \u202e */ ?>\n"u8.ToArray();
        contents.Previews[Shell] = new FilePreview(ReportContents.TypeOf(head), true, head, head.Length) { HashMatches = true };
        var binary = new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 1, 2, (byte)'<' };
        contents.Previews[Hostile] = new FilePreview(ReportContents.TypeOf(binary), false, binary, 9000);
        return contents;
    }

    [Fact]
    public void Verdict_NamesWhatHappenedAndTheFiles_First()
    {
        var (html, md) = Render(Contents());

        var box = Regex.Match(html, "<section class=\"glance compromised\" id=\"verdict\">.*?</section>", RegexOptions.Singleline).Value;
        Assert.Contains("Compromised: a web shell was dropped", box, StringComparison.Ordinal);
        Assert.Contains("shell.php", box, StringComparison.Ordinal);
        Assert.Contains("the front page was defaced (/var/www/html/index.html)", box, StringComparison.Ordinal);
        Assert.Contains("Downtime 1.20 s: from the freeze to the replacement", box, StringComparison.Ordinal);
        Assert.Contains("Relaunched from the original image", box, StringComparison.Ordinal);
        // Before any table: the box is the first thing after the title.
        Assert.True(html.IndexOf("id=\"verdict\"", StringComparison.Ordinal) < html.IndexOf("<table", StringComparison.Ordinal));
        Assert.StartsWith("> **Compromised: ", md[md.IndexOf("> **", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void Picture_HasOneMarkPerSuspiciousChangeAndPerResponseAction_InTimeOrder()
    {
        var (html, _) = Render();

        var marks = MarkPattern().Matches(html).Select(m => (Lane: m.Groups[1].Value, Name: System.Net.WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();
        // The parent directory and the runtime file are not the attacker's marks; the reads (inspect) and the commit's start are not actions.
        // A mark is labelled with the file's name (the part after the last '/', here of a hostile path).
        Assert.Equal(["shell.php", "index.html", "script>\"'`x.php"], marks.Where(m => m.Lane == "attacker").Select(m => m.Name));
        Assert.Equal(["frozen", "evidence image committed", "preflight passed", "killed", "replacement started", "probe passed", "evidence extracted", "bundle sealed"],
            marks.Where(m => m.Lane == "response").Select(m => m.Name));
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Picture_OfAThousandChanges_KeepsEveryResponseActionAndTheNamedFiles_WithinItsRoom()
    {
        var records = Records();
        var many = Enumerable.Range(0, 1000).Select(i => new ManifestEntry
        {
            Path = $"/var/www/html/drop{i:D4}.php", Kind = ChangeKind.Added, Classification = Classification.Suspicious, Reasons = ["web-script"],
            After = File($"1970-01-12T13:46:39.{i:D3}000000Z", "ff"),
        });
        records = records with { Manifest = records.Manifest! with { Entries = [.. records.Manifest.Entries, .. many] } };

        var (title, doc) = CaseReport.Build(records, "case", DateTimeOffset.UnixEpoch);
        var html = doc.ToHtml(title);

        var marks = MarkPattern().Matches(html).Select(m => (Lane: m.Groups[1].Value, Name: System.Net.WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();
        Assert.Equal(ReportChart.MaxMarks, marks.Count);

        Assert.Equal(8, marks.Count(m => m.Lane == "response"));
        // The three files a finding names are kept although a thousand others came before them.
        Assert.Contains(marks, m => m.Name == "shell.php");
        Assert.Contains(marks, m => m.Name == "index.html");
        Assert.Contains("show 160 of the 1011 events: 152 of the 1003 suspicious changes", html, StringComparison.Ordinal);
        // The rows after the header cell "#" up to the end of that table: one per mark.
        var table = html[html.IndexOf("<th>#</th>", StringComparison.Ordinal)..];
        Assert.Equal(ReportChart.MaxMarks, Regex.Count(table[..table.IndexOf("</table>", StringComparison.Ordinal)], "<tr"));

        // A thousand high findings: the box lists the first twelve and links to the rest.
        records = records with { Triage = records.Triage! with { Findings = [.. records.Triage.Findings, .. many.Select(e => new TriageFinding("webshell.eval-input", "web-shell", Severity.High, e.Path, "eval", "why"))] } };
        (title, doc) = CaseReport.Build(records, "case", DateTimeOffset.UnixEpoch);
        html = doc.ToHtml(title);
        var box = html[html.IndexOf("id=\"verdict\"", StringComparison.Ordinal)..html.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Contains("<a href=\"#findings\">... 991 more high findings</a>", box, StringComparison.Ordinal);
        Assert.Equal(12, Regex.Count(box, "<a href=\"#finding-"));
    }

    [Fact]
    public void AProcessStartedAfterTheContainer_IsInThePicture_AndProcessFindingsLinkToTheirRows()
    {
        ProcessRecord Process(int pid, int startedMs, string exe, params string[] cmd) => new(pid, pid - 99, 1, Path.GetFileName(exe), "S", [33], [33], [], new ProcessCapabilities(null, null, null, null, null),
            DateTimeOffset.FromUnixTimeMilliseconds(1_000_000 + startedMs), cmd, [], "/", "/", exe, false, null, new Dictionary<string, string>(), "/docker/x", 2, false, [], []);
        var inspect = System.Text.Json.JsonDocument.Parse("""{"Name":"/web","Created":"1970-01-01T00:16:39Z","State":{"StartedAt":"1970-01-01T00:16:39.500Z"}}""").RootElement;
        var records = Records() with
        {
            Inspect = inspect,
            Processes = new ProcessesRecord(1, DateTimeOffset.FromUnixTimeMilliseconds(1_000_150), true, 100,
                [Process(100, -490, "/usr/sbin/httpd", "httpd", "-f"), Process(200, 2600, "/bin/sh", "sh", "-i")], [], [], []),
        };
        records = records with
        {
            Triage = records.Triage! with
            {
                Findings = [.. records.Triage.Findings,
                    new TriageFinding("process.reverse-shell", "process", Severity.High, "/bin/sh", "sh -i", "pid 200 is a shell whose standard input is tcp to 203.0.113.9:4444: ..."),
                    new TriageFinding("process.outbound-public", "process", Severity.Medium, null, "x", "the container opened a connection to the public address 203.0.113.9:4444")],
            },
        };

        var (title, doc) = CaseReport.Build(records, "case", DateTimeOffset.UnixEpoch);
        var html = doc.ToHtml(title);

        var lifecycle = MarkPattern().Matches(html).Where(m => m.Groups[1].Value == "lifecycle").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[2].Value)).ToList();
        // The service's own process started with the container: not a mark; the shell, 2.5 s later, is.
        Assert.Equal(["created", "started", "pid 200: sh -i"], lifecycle);
        Assert.Contains("<tr id=\"pid-200\">", html, StringComparison.Ordinal);
        Assert.Matches("<td><a href=\"#pid-200\"><span class=\"code\">/bin/sh</span></a></td>", html);
        Assert.Contains("<td><a href=\"#processes\">(container)</a></td>", html, StringComparison.Ordinal);
        var ids = IdPattern().Matches(html).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.All(HrefPattern().Matches(html).Select(m => m.Groups[1].Value), h => Assert.Contains(h[1..], ids));
    }

    [Fact]
    public void EveryLink_IsWithinThePage_AndReachesAnElement_FindingsAndFilesBothWays()
    {
        var (html, md) = Render(Contents());

        var ids = IdPattern().Matches(html).Select(m => m.Groups[1].Value).ToHashSet();
        var hrefs = HrefPattern().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(hrefs);
        Assert.All(hrefs, h => Assert.True(h.StartsWith('#') && ids.Contains(h[1..]), $"link {h} leads nowhere"));
        // Each finding's row links to its file's section, and that section links back.
        var row = Regex.Match(html, "<tr class=\"high\" id=\"(finding-\\d+)\"><td><span class=\"sev high\">High</span></td><td><span class=\"code\">webshell.eval-input</span></td><td><a href=\"#(file-\\d+)\">");
        Assert.True(row.Success, "the eval finding's row does not link to a file");
        var section = html[html.IndexOf($"id=\"{row.Groups[2].Value}\"", StringComparison.Ordinal)..];
        Assert.Contains($"<a href=\"#{row.Groups[1].Value}\">webshell.eval-input</a>", section[..section.IndexOf("<h3", 10, StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Matches(@"\[/var/www/html/shell\.php\]\(#file-\d\)", md);
    }

    [Fact]
    public void Evidence_IsInline_DiffColoured_PreviewEscaped_HexForBinaries()
    {
        var (html, md) = Render(Contents());

        Assert.Contains("<span class=\"del\">-&lt;h1&gt;Welcome&lt;/h1&gt;</span>", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"add\">+&lt;h1&gt;HACKED&lt;/h1&gt;&lt;script&gt;alert(1)&lt;/script&gt;</span>", html, StringComparison.Ordinal);
        // The preview shows the code as written (a backslash, quotes) but no control character or bidi override raw.
        Assert.Contains("&lt;?php eval($_POST[&#39;x&#39;]); /* ```` &lt;/pre&gt; \\x1b[31m \\u202e */ ?&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", html + md, StringComparison.Ordinal);
        Assert.Contains("00000000  7f 45 4c 46 00 01 02 3c", html, StringComparison.Ordinal);
        Assert.Contains("file: ELF executable", html, StringComparison.Ordinal);
        Assert.Contains("file: PHP script", html, StringComparison.Ordinal);
        // Markdown: the fence is longer than any backtick run in the content, so the content cannot close it.
        Assert.Contains("`````text\n<?php eval", md, StringComparison.Ordinal);
        Assert.Contains("```diff\n--- a/i", md, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingFromTheContainer_BecomesMarkup_InEitherFormat()
    {
        var (html, md) = Render(Contents());

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        // Every '<' from the container is escaped, so every tag is the report's own: none loads anything.
        Assert.DoesNotMatch(@"<[a-zA-Z][^>]*\s(src|srcset|background|action|formaction|xlink:href|data)=", html);
        Assert.Contains("&lt;/td&gt;&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("content=\"default-src 'none'; style-src 'unsafe-inline'\"", html, StringComparison.Ordinal);
        // Markdown: outside the fenced code (shown as written, never rendered) the only raw tags are the report's own anchors.
        var outside = Regex.Replace(md, "(?ms)^(`{3,})(diff|text)\n.*?^\\1\n", "");
        Assert.Contains("HACKED", md, StringComparison.Ordinal);
        Assert.DoesNotContain("HACKED</h1>", outside, StringComparison.Ordinal);
        var tags = Regex.Matches(outside, "<[a-zA-Z/][^>]*>").Select(m => m.Value).Where(t => !t.StartsWith("<a id=\"", StringComparison.Ordinal) && t != "</a>").ToList();
        Assert.Empty(tags);
        Assert.Contains("&lt;script&gt;", md, StringComparison.Ordinal);
        // Long ids are shortened where they are read in passing and whole in the evidence section.
        Assert.Contains("web (aaaaaaaaaaaa…)", html, StringComparison.Ordinal);
        Assert.Contains("web (" + new string('a', 64) + ")", html[html.IndexOf("id=\"evidence\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void StillOpen_SaysWhatIsMissing_WhenTheResponseStoppedHalfway()
    {
        var records = Records();
        records = records with
        {
            Manifest = records.Manifest! with { Complete = false, Gaps = ["/big: over the size cap"] },
            Custody = [.. records.Custody.Where(r => r.Action is not ("container.kill" or "replacement.start" or "replacement.probe" or "bundle.seal")),
                Custody(950, "replacement.preflight", CustodyOutcome.Failed, "the canary exited 1")],
        };

        var (title, doc) = CaseReport.Build(records, "case", DateTimeOffset.UnixEpoch);
        var open = doc.ToHtml(title);
        open = open[open.IndexOf("Still open", StringComparison.Ordinal)..open.IndexOf("</section>", StringComparison.Ordinal)];

        Assert.Contains("The evidence is NOT complete: 1 gaps (/big: over the size cap)", open, StringComparison.Ordinal);
        Assert.Contains("Not sealed into a bundle yet", open, StringComparison.Ordinal);
        Assert.Contains("replacement.preflight failed at", open, StringComparison.Ordinal);
        Assert.Contains("the canary exited 1", open, StringComparison.Ordinal);
        Assert.Contains("The suspect web was not killed or contained", open, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contents_ReadFromACaseDirectory_HashChecked_BoundedAndNeverShownWhenAltered()
    {
        var dir = Directory.CreateTempSubdirectory("dockerir-report-contents-").FullName;
        try
        {
            var shell = "<?php system($_GET['c']); ?>\n"u8.ToArray();
            var big = new byte[3 << 20];
            big.AsSpan().Fill((byte)'A');
            var altered = "what the manifest does not say"u8.ToArray();
            Directory.CreateDirectory(Path.Combine(dir, "artifacts", "diffs"));
            await System.IO.File.WriteAllTextAsync(Path.Combine(dir, "artifacts", "diffs", "000001.diff"), "--- a/i\n+++ b/i\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"+line {i}\n")));
            await using (var tar = System.IO.File.Create(Path.Combine(dir, "artifacts", "after.tar")))
            await using (var writer = new DockerIR.Core.Formats.TarStreamWriter(tar))
            {
                foreach (var (name, bytes) in new[] { ("w/shell.php", shell), ("w/big.log", big), ("w/altered.php", altered) })
                {
                    await writer.WriteAsync(new DockerIR.Core.Formats.TarMember { Name = name, Type = DockerIR.Core.Formats.TarItemType.File, Size = bytes.Length, Mode = 0x1a4 }, new MemoryStream(bytes), CancellationToken.None);
                }

                await writer.FinishAsync(CancellationToken.None);
            }

            FileRecord Stored(string member, byte[] bytes, string? sha = null) => new()
            {
                Type = "file", Source = "after", Tar = Manifest.AfterTar, Member = member, Size = bytes.Length,
                Sha256 = sha ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
            };
            var manifest = TimelineTests.ManifestOf(
                new ManifestEntry { Path = "/i", Kind = ChangeKind.Changed, Classification = Classification.Suspicious, After = Stored("i", []), Diff = "artifacts/diffs/000001.diff" },
                new ManifestEntry { Path = "/w/shell.php", Kind = ChangeKind.Added, Classification = Classification.Suspicious, After = Stored("w/shell.php", shell) },
                new ManifestEntry { Path = "/w/big.log", Kind = ChangeKind.Added, Classification = Classification.Suspicious, After = Stored("w/big.log", big) },
                new ManifestEntry { Path = "/w/altered.php", Kind = ChangeKind.Added, Classification = Classification.Suspicious, After = Stored("w/altered.php", altered, new string('0', 64)) });

            var contents = await ReportContents.ReadAsync(CaseContent.Open(dir), manifest, ["/i", "/w/shell.php", "/w/big.log", "/w/altered.php"], CancellationToken.None);

            Assert.Empty(contents.Problems);
            var diffLines = contents.Diffs["/i"].Split('\n');
            Assert.Equal(ReportContents.DiffLines + 1, diffLines.Length);
            Assert.Equal("[... cut here: the report shows the beginning; the whole diff is artifacts/diffs/000001.diff]", diffLines[^1]);
            Assert.Equal((true, "PHP script", true), (contents.Previews["/w/shell.php"].HashMatches, contents.Previews["/w/shell.php"].Type, contents.Previews["/w/shell.php"].IsText));
            // Over 1 MiB: only its head is read, not hashed here.
            Assert.Equal((null, ReportContents.PreviewBytes, (long)big.Length), (contents.Previews["/w/big.log"].HashMatches, contents.Previews["/w/big.log"].Head.Length, contents.Previews["/w/big.log"].Size));
            Assert.False(contents.Previews["/w/altered.php"].HashMatches);

            var records = Records() with { Manifest = manifest, Triage = null };
            var (title, doc) = CaseReport.Build(records, dir, DateTimeOffset.UnixEpoch, contents: contents);
            var html = doc.ToHtml(title);
            Assert.Contains("does NOT match the manifest&#39;s hash: not shown", html, StringComparison.Ordinal);
            Assert.DoesNotContain("what the manifest does not say", html, StringComparison.Ordinal);
            Assert.Contains("&lt;?php system($_GET[&#39;c&#39;]); ?&gt;", html, StringComparison.Ordinal);

            // A damaged tar: a problem to report, not a failed report.
            var tarPath = Path.Combine(dir, "artifacts", "after.tar");
            var bytesOnDisk = await System.IO.File.ReadAllBytesAsync(tarPath);
            bytesOnDisk.AsSpan(148, 8).Fill((byte)'x');
            await System.IO.File.WriteAllBytesAsync(tarPath, bytesOnDisk);
            var damaged = await ReportContents.ReadAsync(CaseContent.Open(dir), manifest, ["/w/shell.php"], CancellationToken.None);
            Assert.Contains("the inline evidence could not be read", Assert.Single(damaged.Problems), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BeforeExtraction_TheReportSaysSo_AndStillDrawsTheResponse()
    {
        var records = Records() with
        {
            Case = Records().Case! with { Snapshot = Records().Case!.Snapshot! with { LeftPaused = true } },
            Manifest = null,
            Triage = null,
            Custody = [.. Records().Custody.Where(r => r.Action is "case.open" or "container.pause" or "container.commit")],
        };

        var (title, doc) = CaseReport.Build(records, "case", DateTimeOffset.UnixEpoch);
        var html = doc.ToHtml(title);

        Assert.Contains("<section class=\"glance unknown\" id=\"verdict\">", html, StringComparison.Ordinal);
        Assert.Contains("Not triaged yet: extract the case", html, StringComparison.Ordinal);
        var box = html[html.IndexOf("id=\"verdict\"", StringComparison.Ordinal)..html.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Contains("The evidence is not extracted yet", box, StringComparison.Ordinal);
        Assert.Contains("Not sealed into a bundle yet", box, StringComparison.Ordinal);
        Assert.Contains("is frozen (left paused by the snapshot), not replaced", box, StringComparison.Ordinal);
        Assert.Equal(["frozen", "evidence image committed"], MarkPattern().Matches(html).Select(m => m.Groups[2].Value));
        Assert.Contains("Not extracted yet: the evidence image holds the change set", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u007fELF\u0002\u0001", "ELF executable")]
    [InlineData("#!/bin/sh\nid\n", "script (/bin/sh)")]
    [InlineData("GIF89a<?php system($_GET[1]); ?>", "PHP script")]
    [InlineData("<!DOCTYPE html><p>", "HTML")]
    [InlineData("plain words", "text")]
    [InlineData("a\u0000b", "binary data")]
    public void TypeOf_NamesWhatTheHeadSays(string head, string expected) => Assert.Equal(expected, ReportContents.TypeOf(System.Text.Encoding.UTF8.GetBytes(head)));

    [GeneratedRegex("<g class=\"ev (\\w+)\" data-lane=\"\\w+\" data-name=\"([^\"]*)\"")]
    private static partial Regex MarkPattern();

    [GeneratedRegex(" id=\"([^\"]+)\"")]
    private static partial Regex IdPattern();

    [GeneratedRegex(" href=\"([^\"]*)\"")]
    private static partial Regex HrefPattern();
}
