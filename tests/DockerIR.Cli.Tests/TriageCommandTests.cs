using System.Text.Json;
using System.Text.RegularExpressions;
using DockerIR.Core.Case;
using DockerIR.Core.Demo;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Cli.Tests;

/// <summary>findings, timeline and report on the breached demo app, through the built CLI, the real engine and the outside tools that read them.</summary>
public sealed class TriageCommandTests(DemoAppFixture demo, ITestOutputHelper output) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-triage-").FullName;

    private async Task<(string CaseDir, string Bundle)> BundledCaseAsync(string stem)
    {
        var app = await demo.StartBreachedAsync(stem);
        var caseDir = Path.Combine(workDir, stem);
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", caseDir]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", caseDir]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", caseDir]));
        return (caseDir, caseDir + ".tar.gz");
    }

    /// <summary>A tool the test checks the output with; missing, the test fails and says what to install (never skipped).</summary>
    private static string Tool(string name, string package)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        Assert.True(found is not null, $"{name} is not installed: install the Debian package '{package}' (scripts/test.sh does, as root)");
        return found!;
    }

    [Fact]
    public async Task Findings_OnTheBreachedDemo_NameTheShellAndTheDefacementAndNoOtherFile()
    {
        var (caseDir, bundle) = await BundledCaseAsync("findings");

        foreach (var where in new[] { caseDir, bundle })
        {
            var result = await ProcessRunner.DockerIRAsync(["findings", where, "--json"]);
            CliAssert.Success(result);
            var findings = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("findings").EnumerateArray()
                .Select(f => (Rule: f.GetProperty("rule").GetString()!, Family: f.GetProperty("family").GetString()!, Path: f.TryGetProperty("path", out var p) ? p.GetString() : null,
                    Severity: f.GetProperty("severity").GetString()!))
                .ToList();

            Assert.Contains(findings, f => f.Path == DemoAttacker.ShellPath && f.Family == "web-shell" && f.Severity == "high");
            Assert.Contains(findings, f => f.Path == DemoAttacker.IndexPath && f.Rule == "defacement.index-changed" && f.Severity == "high");
            // Every other file finding would be a false positive: the rest of the change set is the pid file and parent directories.
            Assert.All(findings.Where(f => f.Path is not null), f => Assert.Contains(f.Path, new[] { DemoAttacker.ShellPath, DemoAttacker.IndexPath }));
            Assert.Contains(findings, f => f.Path is null && f.Rule == "container.5.13");
        }

        var table = await ProcessRunner.DockerIRAsync(["findings", caseDir, "--min-severity", "high"]);
        CliAssert.Success(table);
        Assert.Contains("webshell.", table.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("container.5.13", table.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Findings_ForMachines_JsonlCsvSarifCarryCaseContainerImageAndHash_AndFailOnSetsTheExitCode()
    {
        var (caseDir, bundle) = await BundledCaseAsync("formats");
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "manifest.json"))).RootElement;
        var shellSha = manifest.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("path").GetString() == DemoAttacker.ShellPath)
            .GetProperty("after").GetProperty("sha256").GetString();
        var caseJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "case.json"))).RootElement;
        var containerId = caseJson.GetProperty("container").GetProperty("id").GetString();

        var jsonl = await ProcessRunner.DockerIRAsync(["findings", bundle, "--format", "jsonl"]);
        CliAssert.Success(jsonl);
        var rows = jsonl.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var shell = rows.First(r => r.TryGetProperty("path", out var p) && p.GetString() == DemoAttacker.ShellPath);
        Assert.Equal(shellSha, shell.GetProperty("sha256").GetString());
        Assert.Equal(containerId, shell.GetProperty("containerId").GetString());
        Assert.Equal(caseJson.GetProperty("caseId").GetString(), shell.GetProperty("caseId").GetString());
        Assert.False(string.IsNullOrEmpty(shell.GetProperty("image").GetString()));
        Assert.True(shell.TryGetProperty("timeUtc", out _));

        var csv = await ProcessRunner.DockerIRAsync(["findings", bundle, "--format", "csv"]);
        CliAssert.Success(csv);
        var lines = csv.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("case_id,time_utc,container_id,container_name,image,rule,family,severity,path,sha256,excerpt,why", lines[0]);
        Assert.Equal(rows.Count, lines.Length - 1);
        Assert.Contains(lines, l => l.Contains(DemoAttacker.ShellPath, StringComparison.Ordinal) && l.Contains(shellSha!, StringComparison.Ordinal));

        var sarif = await ProcessRunner.DockerIRAsync(["findings", bundle, "--format", "sarif"]);
        CliAssert.Success(sarif);
        var run = JsonDocument.Parse(sarif.StdOut).RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        Assert.All(rules, r =>
        {
            Assert.False(string.IsNullOrEmpty(r.GetProperty("fullDescription").GetProperty("text").GetString()));
            Assert.True(double.Parse(r.GetProperty("properties").GetProperty("security-severity").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        });
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(rows.Count, results.Count);
        Assert.All(results, r =>
        {
            Assert.Contains(rules, rule => rule.GetProperty("id").GetString() == r.GetProperty("ruleId").GetString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()));
            Assert.Equal(32, r.GetProperty("partialFingerprints").GetProperty("dockerirFinding/v1").GetString()!.Length);
        });
        Assert.Contains(results, r => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()
            == DemoAttacker.ShellPath.TrimStart('/'));

        // Fit for code scanning: the SARIF Multitool finds no error under GitHub's rules; with the docs' address
        // configured, every rule links to its own anchor (a container rule to the audit's page).
        var sarifFile = Path.Combine(workDir, "findings.sarif");
        await File.WriteAllTextAsync(sarifFile, sarif.StdOut);
        await SarifValidator.AssertNoErrorsAsync(sarifFile);
        var linked = await ProcessRunner.DockerIRAsync(["findings", bundle, "--format", "sarif"], env: new Dictionary<string, string?> { ["DOCKERIR_DOCS_URL"] = "https://docs.example.org/dockerir" });
        CliAssert.Success(linked);
        var linkedDriver = JsonDocument.Parse(linked.StdOut).RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver");
        Assert.Equal("https://docs.example.org/dockerir/triage.md", linkedDriver.GetProperty("informationUri").GetString());
        Assert.All(linkedDriver.GetProperty("rules").EnumerateArray(), r =>
        {
            var id = r.GetProperty("id").GetString()!;
            Assert.Equal(id.StartsWith("container.", StringComparison.Ordinal)
                    ? $"https://docs.example.org/dockerir/audit.md#cis-{id["container.".Length..]}"
                    : $"https://docs.example.org/dockerir/triage.md#rule-{id}",
                r.GetProperty("helpUri").GetString());
        });

        var failing = await ProcessRunner.DockerIRAsync(["findings", bundle, "--fail-on", "high", "--format", "jsonl"]);
        Assert.Equal((int)ExitCode.AuditFailed, failing.ExitCode);
        Assert.Equal(jsonl.StdOut, failing.StdOut);
        Assert.StartsWith("dockerir: findings: ", Assert.Single(failing.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Findings_ToAPipe_FitColumns_Or120WhenNotSet()
    {
        var (caseDir, _) = await BundledCaseAsync("columns");

        var narrow = await ProcessRunner.DockerIRAsync(["findings", caseDir], new Dictionary<string, string?> { ["COLUMNS"] = "100" });
        var unset = await ProcessRunner.DockerIRAsync(["findings", caseDir], new Dictionary<string, string?> { ["COLUMNS"] = null });

        CliAssert.Success(narrow);
        CliAssert.Success(unset);
        Assert.Contains("shell.php", narrow.StdOut, StringComparison.Ordinal);
        var widest = narrow.StdOut.Split('\n').Max(l => l.Length);
        Assert.InRange(widest, 60, 100);
        Assert.InRange(unset.StdOut.Split('\n').Max(l => l.Length), 101, 120);
    }

    [Fact]
    public async Task Timeline_MactimeReadsTheBodyfile_AndListsTheShell()
    {
        var mactime = Tool("mactime", "sleuthkit");
        var (caseDir, bundle) = await BundledCaseAsync("timeline");

        var fromFile = await ProcessRunner.RunAsync(mactime, ["-b", Path.Combine(caseDir, "timeline.body"), "-d"]);
        Assert.True(fromFile.ExitCode == 0, fromFile.StdErr);
        Assert.Equal("", fromFile.StdErr.Trim());
        // The layer gave mtime, atime and ctime: mactime lists the shell under its mtime ("m" first; "a" and "c" beside
        // it when they fall in the same second), at a real date; only the creation time is unknown (0).
        var shellLine = Assert.Single(fromFile.StdOut.Split('\n'), l => l.EndsWith($",\"{DemoAttacker.ShellPath}\"", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(l, @",m[.a][.c]\.,"));
        Assert.Matches($@",{DemoAttacker.ShellContent.Length},m[.a][.c]\.,-rw-r--r--,", shellLine);
        Assert.DoesNotContain("Xxx", shellLine, StringComparison.Ordinal);
        Assert.Contains(fromFile.StdOut.Split('\n'), l => l.EndsWith($",\"{DemoAttacker.ShellPath}\"", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(l, @",[.m][.a]c\.,") && !l.Contains("Xxx", StringComparison.Ordinal));

        // The command prints the same events sorted, from the case or the bundle, in each format.
        var body = await ProcessRunner.DockerIRAsync(["timeline", bundle]);
        CliAssert.Success(body);
        var lines = body.StdOut.TrimEnd('\n').Split('\n');
        Assert.All(lines, l => Assert.Equal(11, l.Split('|').Length));
        var mtimes = lines.Select(l => long.Parse(l.Split('|')[8], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(mtimes.Order(), mtimes);
        var shell = Assert.Single(lines, l => l.Split('|')[1] == DemoAttacker.ShellPath);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(DemoAttacker.ShellContent)));
        Assert.StartsWith(sha + "|", shell, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("[container created]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[container.commit]", StringComparison.Ordinal));

        var csv = await ProcessRunner.DockerIRAsync(["timeline", caseDir, "--format", "csv"]);
        CliAssert.Success(csv);
        Assert.StartsWith("time_utc,unix,source,kind,name,", csv.StdOut, StringComparison.Ordinal);
        // In the same second, by their nanoseconds: the shell (written first) before the defacement.
        var csvRows = csv.StdOut.TrimEnd('\n').Split('\n');
        var (csvShell, csvIndex) = (Array.FindIndex(csvRows, r => r.Contains($",{DemoAttacker.ShellPath},", StringComparison.Ordinal)),
            Array.FindIndex(csvRows, r => r.Contains($",{DemoAttacker.IndexPath},", StringComparison.Ordinal)));
        Assert.True(csvShell > 0 && csvIndex > csvShell, $"shell at row {csvShell}, defacement at row {csvIndex}");
        long Instant(string row) => (long.Parse(row.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture) * 1_000_000_000L)
            + long.Parse(row.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Instant(csvRows[csvShell]) < Instant(csvRows[csvIndex]), "the nanosecond times do not order the shell first");
        // Timesketch's CSV keeps the attacker's sub-second order: the shell was written before the defacement.
        var sketch = await ProcessRunner.DockerIRAsync(["timeline", bundle, "--format", "timesketch"]);
        CliAssert.Success(sketch);
        var rows = sketch.StdOut.Split('\n');
        Assert.Equal("message,datetime,timestamp,timestamp_desc,source,kind,name,sha256,detail", rows[0]);
        var shellRow = Array.FindIndex(rows, r => r.Contains($",{DemoAttacker.ShellPath},", StringComparison.Ordinal));
        var indexRow = Array.FindIndex(rows, r => r.Contains($",{DemoAttacker.IndexPath},", StringComparison.Ordinal));
        Assert.True(shellRow > 0 && indexRow > shellRow, $"shell at row {shellRow}, defacement at row {indexRow}");
        Assert.Matches(@",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00,\d+,Modification Time,", rows[shellRow]);
        var jsonl = await ProcessRunner.DockerIRAsync(["timeline", caseDir, "--format", "jsonl"]);
        CliAssert.Success(jsonl);
        Assert.Contains(jsonl.StdOut.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement),
            e => e.GetProperty("name").GetString() == DemoAttacker.ShellPath && e.GetProperty("sha256").GetString() == sha);
    }

    [Fact]
    public async Task Report_HtmlRendersInHeadlessChromium_WithTheFindingsVisible()
    {
        var chromium = Tool("chromium", "chromium");
        var (caseDir, bundle) = await BundledCaseAsync("report");
        var html = Path.Combine(caseDir, "report.html");
        var markdown = await File.ReadAllTextAsync(Path.Combine(caseDir, "report.md"));
        Assert.Contains("## Findings", markdown, StringComparison.Ordinal);
        Assert.Contains("webshell.eval-input", markdown, StringComparison.Ordinal);
        Assert.Contains("## Evidence", markdown, StringComparison.Ordinal);

        // The report in the bundle is the one sealed in SHA256SUMS; 'report' regenerates the same document.
        var sums = await File.ReadAllTextAsync(Path.Combine(caseDir, "SHA256SUMS"));
        Assert.Contains("  report.html\n", sums, StringComparison.Ordinal);
        var fromBundle = await ProcessRunner.DockerIRAsync(["report", bundle]);
        CliAssert.Success(fromBundle);
        Assert.Matches(@"\| <a id=""finding-\d+""></a>High \| webshell\.eval-input \| \[/var/www/html/shell\.php\]\(#file-\d+\) \|", fromBundle.StdOut);
        Assert.Contains("> **Compromised: ", fromBundle.StdOut, StringComparison.Ordinal);

        var artifacts = Environment.GetEnvironmentVariable("DOCKERIR_TEST_ARTIFACTS") ?? Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "report-screenshot.png");
        File.Delete(screenshot);
        string[] headless = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={Path.Combine(workDir, "chromium-profile")}"];
        var shot = await ProcessRunner.RunAsync(chromium, [.. headless, $"--screenshot={screenshot}", "--window-size=1280,1800", "file://" + html],
            timeout: TimeSpan.FromSeconds(90));
        Assert.True(shot.ExitCode == 0, shot.StdErr);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', $"not a rendered page: {png.Length} bytes");
        output.WriteLine($"screenshot of the report: {screenshot}");

        // What the browser built from the page (its DOM, serialized after parsing).
        var dumped = await ProcessRunner.RunAsync(chromium, [.. headless, "--dump-dom", "file://" + html], timeout: TimeSpan.FromSeconds(90));
        Assert.True(dumped.ExitCode == 0, dumped.StdErr);
        var dom = dumped.StdOut;

        // The verdict comes first and names the shell and the defacement.
        var verdict = Regex.Match(dom, "<section class=\"glance compromised\" id=\"verdict\">(.*?)</section>", RegexOptions.Singleline);
        Assert.True(verdict.Success, "no verdict box");
        Assert.Contains("Compromised: ", verdict.Value, StringComparison.Ordinal);
        Assert.Contains(DemoAttacker.ShellPath, verdict.Value, StringComparison.Ordinal);
        Assert.Contains(DemoAttacker.IndexPath, verdict.Value, StringComparison.Ordinal);
        Assert.True(verdict.Index < dom.IndexOf("<table", StringComparison.Ordinal), "the verdict is not before the tables");

        // The picture: one attacker mark per suspicious change of the manifest (not the parents of suspicious ones), one
        // response mark per action of the custody log (not the reads between them, not a step's start).
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "manifest.json"))).RootElement;
        var suspicious = manifest.GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("classification").GetString() == "suspicious" && !e.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.StartsWith("parent-of", StringComparison.Ordinal)))
            .Select(e => e.GetProperty("path").GetString()!).ToList();
        Assert.Equal([DemoAttacker.IndexPath, DemoAttacker.ShellPath], suspicious.Order());
        string[] acts = ["container.pause", "container.unpause", "container.commit", "container.kill", "container.stop", "container.rename", "replacement.preflight",
            "replacement.start", "replacement.probe", "extract.manifest", "bundle.seal", "bundle.written", "bundle.signed"];
        // The case's report.html was written by the bundle step just before the seal: it shows the actions up to then.
        var log = (await File.ReadAllLinesAsync(Path.Combine(caseDir, "custody.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var custody = log.Take(log.FindLastIndex(r => r.GetProperty("action").GetString() == "case.views"))
            .Where(r => acts.Contains(r.GetProperty("action").GetString()) && r.GetProperty("outcome").GetString() is "succeeded" or "failed")
            .Select(r => r.GetProperty("action").GetString()!).ToList();
        Assert.Contains("container.pause", custody);
        Assert.Contains("extract.manifest", custody);
        Assert.Contains("Sealing into report.tar.gz began at", verdict.Value, StringComparison.Ordinal);
        var marks = Regex.Matches(dom, "<g class=\"ev (\\w+)\" data-lane=\"\\w+\" data-name=\"([^\"]*)\"").Select(m => (Lane: m.Groups[1].Value, Name: m.Groups[2].Value)).ToList();
        Assert.Equal(["shell.php", "index.html"], marks.Where(m => m.Lane == "attacker").Select(m => m.Name));
        Assert.Equal(custody.Count, marks.Count(m => m.Lane == "response"));
        Assert.Contains(marks, m => m.Lane == "lifecycle" && m.Name == "started");
        Assert.Contains("<svg class=\"chart\"", dom, StringComparison.Ordinal);

        // The defacement's diff inline: the original's line removed, the attacker's added.
        Assert.Contains("<span class=\"del\">-&lt;body&gt;&lt;h1&gt;ACME Corp&lt;/h1&gt;", dom, StringComparison.Ordinal);
        Assert.Contains("<span class=\"add\">+&lt;html&gt;&lt;body style=\"background:black;color:red\"&gt;&lt;h1&gt;HACKED BY DockerIR-demo crew&lt;/h1&gt;", dom, StringComparison.Ordinal);
        // The dropped shell's head, escaped, with its type.
        Assert.Contains("&lt;?php if(isset($_REQUEST['c'])){ system($_REQUEST['c']); }", dom, StringComparison.Ordinal);
        Assert.Contains("file: PHP script", dom, StringComparison.Ordinal);

        // Every link stays within the page and reaches an element; every finding has one.
        var ids = Regex.Matches(dom, " id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        var hrefs = Regex.Matches(dom, " href=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.All(hrefs, h => Assert.True(h.StartsWith('#') && ids.Contains(h[1..]), $"the link {h} leads nowhere"));
        var findingRows = Regex.Matches(dom, "<tr class=\"\\w+\" id=\"finding-\\d+\">(.*?)</tr>", RegexOptions.Singleline).ToList();
        Assert.True(findingRows.Count >= 4, $"{findingRows.Count} finding rows");
        Assert.All(findingRows, r => Assert.Contains(" href=\"#", r.Value, StringComparison.Ordinal));
        Assert.Contains("<span class=\"sev high\">High</span>", dom, StringComparison.Ordinal);

        // Nothing loads anything: no script, no embedded or linked resource, no address outside the page.
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"<(link|img|iframe|object|embed|video|audio|source|image)\b", dom);
        Assert.DoesNotMatch(@"<[a-zA-Z][^>]*\s(src|srcset|xlink:href|background|action|data)=", dom);
        Assert.DoesNotContain("url(", dom, StringComparison.OrdinalIgnoreCase);

        // --pdf prints the page with that Chromium; without one, one line says what to install.
        var pdf = Path.Combine(workDir, "report.pdf");
        var printed = await ProcessRunner.DockerIRAsync(["report", bundle, "--pdf", pdf], new Dictionary<string, string?> { ["DOCKERIR_CHROMIUM"] = chromium });
        CliAssert.Success(printed);
        Assert.Equal("", printed.StdOut);
        var bytes = await File.ReadAllBytesAsync(pdf);
        Assert.True(bytes.Length > 1000 && System.Text.Encoding.ASCII.GetString(bytes, 0, 5) == "%PDF-", $"not a PDF: {bytes.Length} bytes");
        // A PDF that opens: poppler renders every page to an image (kept beside the screenshot).
        var pages = Path.Combine(artifacts, "report-page");
        foreach (var old in Directory.GetFiles(artifacts, "report-page-*.png"))
        {
            File.Delete(old);
        }

        var rendered = await ProcessRunner.RunAsync(Tool("pdftoppm", "poppler-utils"), ["-png", "-r", "50", pdf, pages], timeout: TimeSpan.FromSeconds(90));
        Assert.True(rendered.ExitCode == 0, rendered.StdErr);
        var pageImages = Directory.GetFiles(artifacts, "report-page-*.png");
        Assert.True(pageImages.Length >= 2, $"{pageImages.Length} pages rendered");
        Assert.All(pageImages, p => Assert.True(new FileInfo(p).Length > 2000, $"{p} is blank"));
        var none = await ProcessRunner.DockerIRAsync(["report", bundle, "--pdf", Path.Combine(workDir, "none.pdf")], new Dictionary<string, string?> { ["DOCKERIR_CHROMIUM"] = "/nonexistent/chromium" });
        Assert.Contains("needs headless Chromium", CliAssert.OneLineError(none, ExitCode.NotFound), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(workDir, "none.pdf")));
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
