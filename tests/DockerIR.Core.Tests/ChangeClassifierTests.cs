using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Tests;

public sealed class ChangeClassifierTests
{
    private static ClassifiedChange One(string path, ChangeKind kind = ChangeKind.Added) =>
        ChangeClassifier.ClassifyOne(new ChangeEntry(path, kind));

    [Theory]
    [InlineData("/var/www/html/shell.php", "web-script")]
    [InlineData("/usr/local/tomcat/webapps/ROOT/cmd.jsp", "web-script")]
    [InlineData("/usr/bin/xmrig", "executable-path")]
    [InlineData("/etc/cron.d/backdoor", "cron")]
    [InlineData("/root/.ssh/authorized_keys", "ssh")]
    [InlineData("/etc/ld.so.preload", "ld-preload")]
    [InlineData("/tmp/dropper.sh", "executable-in-temp")]
    [InlineData("/tmp/.x", "hidden-in-temp")]
    [InlineData("/root/.bashrc", "persistence")]
    [InlineData("/opt/app/payload", "other")]
    public void ClassifyOne_AttackerPaths_AreSuspiciousWithTheirRule(string path, string rule)
    {
        var result = One(path);

        Assert.Equal(Classification.Suspicious, result.Classification);
        Assert.Contains(rule, result.Reasons);
    }

    [Theory]
    [InlineData("/var/run/httpd.pid")]
    [InlineData("/run/nginx.pid")]
    [InlineData("/var/lock/subsys.lock")]
    [InlineData("/tmp/sess_abc123")]
    [InlineData("/var/cache/nginx/proxy_temp")]
    [InlineData("/var/lib/app/app.pid")]
    public void ClassifyOne_RuntimeFiles_AreRuntime(string path)
    {
        Assert.Equal(Classification.Runtime, One(path).Classification);
    }

    [Fact]
    public void ClassifyOne_ChangedPasswd_IsAccounts()
    {
        var result = One("/etc/passwd", ChangeKind.Changed);

        Assert.Equal(Classification.Suspicious, result.Classification);
        Assert.Equal(["accounts"], result.Reasons);
    }

    [Fact]
    public void ClassifyOne_DeletedLog_IsTampering()
    {
        Assert.Contains("log-deleted", One("/var/log/nginx/access.log", ChangeKind.Deleted).Reasons);
    }

    [Fact]
    public void ClassifyOne_ChangedWebIndex_IsFlaggedAsIndex()
    {
        var result = One("/var/www/html/index.html", ChangeKind.Changed);

        Assert.Equal(["web-root", "web-index"], result.Reasons);
    }

    [Fact]
    public void Classify_ParentDirectories_TakeTheVerdictOfTheirChildren()
    {
        var changes = new[]
        {
            new ChangeEntry("/var", ChangeKind.Changed),
            new ChangeEntry("/var/run", ChangeKind.Changed),
            new ChangeEntry("/var/run/httpd.pid", ChangeKind.Added),
            new ChangeEntry("/var/www", ChangeKind.Changed),
            new ChangeEntry("/var/www/html", ChangeKind.Changed),
            new ChangeEntry("/var/www/html/shell.php", ChangeKind.Added),
        };

        var result = ChangeClassifier.Classify(changes).ToDictionary(c => c.Path);

        Assert.Equal(Classification.Suspicious, result["/var"].Classification);
        Assert.True(result["/var"].ParentOnly);
        Assert.Equal(Classification.Runtime, result["/var/run"].Classification);
        Assert.Equal(["parent-of-runtime"], result["/var/run"].Reasons);
        Assert.Equal(["parent-of-suspicious"], result["/var/www/html"].Reasons);
        Assert.False(result["/var/www/html/shell.php"].ParentOnly);
    }

    [Fact]
    public void Classify_ChangedDirectoryWithoutChildren_KeepsItsOwnVerdict()
    {
        // A chmod of the web root itself: not a parent of anything in the set.
        var result = ChangeClassifier.Classify([new ChangeEntry("/var/www/html", ChangeKind.Changed), new ChangeEntry("/var/www-old", ChangeKind.Added)]);

        Assert.False(result[0].ParentOnly);
        Assert.Contains("web-root", result[0].Reasons);
    }

    [Fact]
    public void Classify_SiblingWithCommonPrefix_IsNotADescendant()
    {
        var result = ChangeClassifier.Classify([new ChangeEntry("/var/run", ChangeKind.Changed), new ChangeEntry("/var/runner.php", ChangeKind.Added)]);

        Assert.False(result[0].ParentOnly);
    }

    [Fact]
    public void Classify_KeepsTheEngineOrderAndEveryEntry()
    {
        var changes = Enumerable.Range(0, 1000).Select(i => new ChangeEntry($"/data/f{i}", ChangeKind.Added)).ToArray();

        var result = ChangeClassifier.Classify(changes);

        Assert.Equal(changes.Select(c => c.Path), result.Select(c => c.Path));
    }
}
