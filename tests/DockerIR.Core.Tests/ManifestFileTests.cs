using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Tests;

public sealed class ManifestFileTests
{
    private static string ValidJson()
    {
        var manifest = new Manifest
        {
            CaseId = "c1",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            ToolVersion = "0",
            ContainerId = "abc",
            ContainerName = "web",
            OriginalImage = "img",
            OriginalImageId = "sha256:1",
            EvidenceImageId = "sha256:2",
            AfterSource = "layer",
            AfterSourceDetail = "d",
            BeforeSource = "layer",
            BeforeSourceDetail = "d",
            Limits = ExtractionLimits.Default,
            Complete = true,
            Entries =
            [
                new ManifestEntry
                {
                    Path = "/var/www/html/shell.php",
                    Kind = ChangeKind.Added,
                    Classification = Classification.Suspicious,
                    After = new FileRecord { Type = "file", Source = "after", Tar = Manifest.AfterTar, Member = "var/www/html/shell.php" },
                },
            ],
        };
        return JsonSerializer.Serialize(manifest, CaseJson.Indented.Manifest);
    }

    private static Task<Manifest> ReadAsync(string json) =>
        ManifestFile.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), "manifest.json", CancellationToken.None);

    [Fact]
    public async Task ReadAsync_AsWritten_ReadsBack()
    {
        var manifest = await ReadAsync(ValidJson());

        Assert.Equal("/var/www/html/shell.php", Assert.Single(manifest.Entries).Path);
    }

    [Theory]
    // One flipped bit in a bundle turned "entries" into "entrkes": the list is then missing, not empty.
    [InlineData("\"entries\"", "\"entrkes\"")]
    [InlineData("\"deletedContents\"", "\"deletedContentz\"")]
    [InlineData("\"gaps\": []", "\"gaps\": [null]")]
    [InlineData("\"path\": \"/var/www/html/shell.php\"", "\"path\": null")]
    [InlineData("\"reasons\": []", "\"reasons\": null")]
    public async Task ReadAsync_MissingListOrNullWhereNoneIsAllowed_IsCorrupted(string from, string to)
    {
        var json = ValidJson();
        Assert.Contains(from, json, StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<DockerIRException>(() => ReadAsync(json.Replace(from, to, StringComparison.Ordinal)));

        Assert.Equal(FailureKind.VerificationFailed, e.Kind);
        Assert.Contains("corrupted", e.Message, StringComparison.Ordinal);
    }
}
