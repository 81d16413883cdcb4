namespace DockerIR.Cli.Tests;

/// <summary>A report or SARIF file written where others can plant links (a shared, world-writable directory).</summary>
public sealed class CliFilesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dockerir-clifiles-").FullName;

    [Fact]
    public async Task WriteAtomic_LinksPlantedAtTheOldTemporaryNameAndAtThePath_AreNotWrittenThrough()
    {
        var victim = Path.Combine(dir, "victim");
        await File.WriteAllTextAsync(victim, "precious");
        var output = Path.Combine(dir, "report.html");
        File.CreateSymbolicLink(output + ".partial", victim);
        var other = Path.Combine(dir, "report2.html");
        File.CreateSymbolicLink(other, victim);

        await CliFiles.WriteAtomicAsync(output, "<html>report</html>"u8.ToArray(), CancellationToken.None);
        await CliFiles.WriteAtomicAsync(other, "<html>second</html>"u8.ToArray(), CancellationToken.None);

        Assert.Equal("precious", await File.ReadAllTextAsync(victim));
        Assert.Equal("<html>report</html>", await File.ReadAllTextAsync(output));
        Assert.Null(new FileInfo(other).LinkTarget);
        Assert.Equal("<html>second</html>", await File.ReadAllTextAsync(other));
        Assert.Empty(Directory.GetFiles(dir, "*.partial-*"));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
