using DockerIR.Core.Case;
using DockerIR.Core.Hunt;

namespace DockerIR.Core.Tests;

public sealed class HuntIndicatorTests
{
    [Theory]
    [InlineData("*.phtml", "/srv/y.phtml", true)]
    [InlineData("*.phtml", "/srv/y.phtml.txt", false)]
    [InlineData("/tmp/.*/**", "/tmp/.x/a/b", true)]
    [InlineData("/tmp/.*/**", "/tmp/x/a", false)]
    [InlineData("/var/www/*/c99.php", "/var/www/html/c99.php", true)]
    [InlineData("/var/www/*/c99.php", "/var/www/html/sub/c99.php", false)]
    [InlineData("sh?ll.php", "/a/shell.php", true)]
    public void Glob_MatchesANameWithoutSlash_AndThePathWithOne(string glob, string path, bool matches) =>
        Assert.Equal(matches, new NameIndicator(glob, true, "iocs.yaml", "").Matches(path, isDirectory: false));

    [Fact]
    public void DroppedName_MatchesTheLastComponentOfAFile_AndADirectoryPathOnlyAsADirectory()
    {
        Assert.True(new NameIndicator("shell.php", false, "case", "").Matches("/srv/uploads/shell.php", isDirectory: false));
        Assert.False(new NameIndicator("shell.php", false, "case", "").Matches("/srv/uploads/shell.php.bak", isDirectory: false));
        Assert.True(new NameIndicator("/tmp/.x", false, "case", "").Matches("/tmp/.x", isDirectory: true));
        Assert.False(new NameIndicator("/tmp/.x", false, "case", "").Matches("/tmp/.x", isDirectory: false));
    }

    [Fact]
    public void IocFile_ReadsHashesGlobsAndPatterns_AndNamesEveryErrorsPlace()
    {
        var dir = Directory.CreateTempSubdirectory("dockerir-ioc-");
        try
        {
            var good = Path.Combine(dir.FullName, "good.json");
            File.WriteAllText(good, """{"hashes": [{"sha256": "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"}], "paths": [{"glob": "*.phtml"}], "patterns": [{"id": "x", "regex": "c99", "severity": "low"}]}""");
            var indicators = new Indicators();
            indicators.AddIocFile(good);
            Assert.Equal("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", Assert.Single(indicators.Hashes).Sha256);
            Assert.True(indicators.HashWithoutSize);
            Assert.True(Assert.Single(indicators.Names).IsGlob);
            Assert.Equal(Severity.Low, Assert.Single(indicators.Patterns).Severity);

            var bad = Path.Combine(dir.FullName, "bad.yaml");
            File.WriteAllText(bad, "hashes:\n  - sha256: xyz\npatterns:\n  - id: p\n    regex: '('\nextra: 1\n");
            var error = Assert.Throws<DockerIRException>(() => new Indicators().AddIocFile(bad));
            Assert.Equal(FailureKind.Usage, error.Kind);
            Assert.StartsWith($"{bad}:2:5: a hash needs 'sha256:'", error.Message, StringComparison.Ordinal);
            Assert.Contains("(and 2 more)", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
