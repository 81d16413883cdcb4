using System.IO.Compression;
using System.Text;
using DockerIR.Core.Formats;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// Bundles made by an attacker to exhaust the reader: a few hundred KiB of gzip that unpack to records of hundreds of
/// MiB. Every view stops at the record's size with a one-line verification failure, in bounded memory (peak RSS
/// measured), and writes nothing.
/// </summary>
public sealed class HostileBundleTests : IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-bombs-").FullName;

    /// <summary>A gzip tar with the case's top directory, an empty SHA256SUMS first, then the named records.</summary>
    private async Task<string> BundleAsync(string name, params (string Name, long Spaces)[] records)
    {
        var path = Path.Combine(workDir, name + ".tar.gz");
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        await using (var tar = new TarStreamWriter(gzip))
        {
            await tar.WriteAsync(new TarMember { Name = "c1/", Type = TarItemType.Directory, Mode = 0x1ED }, null, CancellationToken.None);
            await tar.WriteAsync(new TarMember { Name = "c1/SHA256SUMS", Type = TarItemType.File, Mode = 0x1A4, Size = 0 }, new MemoryStream(), CancellationToken.None);
            foreach (var (member, spaces) in records)
            {
                // Whitespace and then a JSON value: valid JSON, as large as the attacker likes, compressing to almost nothing.
                var body = new SpacesThenJson(spaces);
                await tar.WriteAsync(new TarMember { Name = $"c1/{member}", Type = TarItemType.File, Mode = 0x1A4, Size = body.Length }, body, CancellationToken.None);
            }
        }

        return path;
    }

    [Theory]
    [InlineData("report", "container/inspect.json", 16)]
    [InlineData("timeline", "custody.jsonl", 64)]
    [InlineData("findings", "findings.json", 128)]
    public async Task RecordBomb_IsRefusedAtItsSize_InBoundedMemory(string verb, string record, int limitMiB)
    {
        var bundle = await BundleAsync(verb, ("case.json", 10), (record, 300L << 20));

        var result = await ProcessRunner.RunAsync("/usr/bin/time", ["-f", "peak-rss-kb %M", "dotnet", Path.Combine(AppContext.BaseDirectory, "dockerir.dll"), verb, bundle]);

        Assert.Equal((int)ExitCode.VerificationFailed, result.ExitCode);
        var (error, peakMiB) = Outcome(result);
        Assert.Contains($"{record} is over {limitMiB} MiB", error, StringComparison.Ordinal);
        Assert.True(peakMiB < limitMiB + 200, $"peak RSS {peakMiB} MiB reading a {300} MiB record");
        Assert.Equal([bundle], Directory.GetFiles(workDir));
    }

    [Fact]
    public async Task ManifestBomb_VerifyAndShowStopAtItsSize()
    {
        var bundle = await BundleAsync("manifest", ("manifest.json", 600L << 20));

        foreach (var args in new[] { new[] { "verify", bundle }, ["show", bundle, "/x"] })
        {
            var result = await ProcessRunner.RunAsync("/usr/bin/time", ["-f", "peak-rss-kb %M", "dotnet", Path.Combine(AppContext.BaseDirectory, "dockerir.dll"), .. args]);
            Assert.Equal((int)ExitCode.VerificationFailed, result.ExitCode);
            var (error, peakMiB) = Outcome(result);
            Assert.Contains("manifest.json is over 512 MiB", result.StdOut + error, StringComparison.Ordinal);
            Assert.True(peakMiB < 400, $"{args[0]}: peak RSS {peakMiB} MiB");
        }
    }

    /// <summary>dockerir's one stderr line and the peak RSS /usr/bin/time measured (its own lines are told apart).</summary>
    private static (string Error, long PeakMiB) Outcome(ProcessResult result)
    {
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var error = Assert.Single(lines, l => l.StartsWith("dockerir: ", StringComparison.Ordinal));
        var rss = lines.Single(l => l.StartsWith("peak-rss-kb ", StringComparison.Ordinal));
        Assert.Equal(lines.Length, lines.Count(l => l == error || l == rss || l.StartsWith("Command exited with non-zero status", StringComparison.Ordinal)));
        return (error, long.Parse(rss["peak-rss-kb ".Length..], System.Globalization.CultureInfo.InvariantCulture) >> 10);
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    /// <summary>N spaces then "{}", generated as read.</summary>
    private sealed class SpacesThenJson(long spaces) : Core.ReadOnlyStream
    {
        private static readonly byte[] Tail = Encoding.ASCII.GetBytes("{}");
        private long position;

        public override long Length => spaces + Tail.Length;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = 0;
            while (n < buffer.Length && position < Length)
            {
                buffer[n++] = position < spaces ? (byte)' ' : Tail[(int)(position - spaces)];
                position++;
            }

            return n;
        }
    }
}
