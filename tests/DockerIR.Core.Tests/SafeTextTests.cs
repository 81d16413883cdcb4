using DockerIR.Core.Case;

namespace DockerIR.Core.Tests;

public sealed class SafeTextTests
{
    [Theory]
    [InlineData("/var/www/html/shell.php", "/var/www/html/shell.php")]
    [InlineData("/tmp/a\nb", "/tmp/a\\nb")]
    [InlineData("/tmp/\u001b[31mred", "/tmp/\\x1b[31mred")]
    [InlineData("/tmp/evil\u202Egnp.php", "/tmp/evil\\u202egnp.php")]
    [InlineData("/tmp/back\\slash", "/tmp/back\\\\slash")]
    [InlineData("/tmp/caf\u00e9", "/tmp/caf\u00e9")]
    public void Escape_HostileNames_BecomeOneVisibleLine(string input, string expected)
    {
        Assert.Equal(expected, SafeText.Escape(input));
    }

    [Fact]
    public void Escape_LoneSurrogate_IsEscaped()
    {
        Assert.Equal("a\\ud800b", SafeText.Escape("a\ud800b"));
    }
    [Theory]
    [InlineData("/tmp/evil\u202Egnp.php", "\\u202E")]
    [InlineData("/tmp/zero\u200Bwidth", "\\u200B")]
    [InlineData("/tmp/isolate\u2066x\u2069", "\\u2066")]
    [InlineData("/tmp/line\u2028sep", "\\u2028")]
    public void Json_BidiAndZeroWidthCharacters_AreEscapedInEveryRecordAndJsonOutput(string name, string escaped)
    {
        var record = new Case.FileRecord { Type = "file", Source = "layer", LinkTarget = name };

        var json = System.Text.Json.JsonSerializer.Serialize(record, CaseJson.Indented.FileRecord);

        Assert.Contains(escaped, json, StringComparison.Ordinal);
        Assert.DoesNotContain(name, json, StringComparison.Ordinal);
    }
}
