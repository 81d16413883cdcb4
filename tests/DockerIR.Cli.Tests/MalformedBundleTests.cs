using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// Bundles whose tar structure is malformed (what a careless or hostile tool could hand a responder): every reader
/// ends with one line and the verification code (7), never an internal error (70), and writes nothing.
/// </summary>
public sealed class MalformedBundleTests : IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-malformed-").FullName;

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    /// <summary>One ustar header block; <paramref name="size"/> is written as given (octal digits, or anything else).</summary>
    private static byte[] Header(string name, char type, string size)
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(size.PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\000").CopyTo(h, 257);
        Encoding.ASCII.GetBytes("        ").CopyTo(h, 148);
        var sum = h.Sum(b => (int)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    private static byte[] Padded(byte[] data) => [.. data, .. new byte[(512 - data.Length % 512) % 512]];

    private static byte[] Pax(string key, string value)
    {
        var record = $" {key}={value}\n";
        var length = record.Length + 2; // two digits for lengths under 100
        var body = Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture) + record);
        return [.. Header("PaxHeaders/c1", 'x', Convert.ToString(body.Length, 8)), .. Padded(body)];
    }

    /// <summary>A gzip bundle of the raw tar bytes, with a .sha256 that matches it (the forger's, not ours).</summary>
    private async Task<string> BundleAsync(string name, byte[] tar)
    {
        var path = Path.Combine(workDir, name + ".tar.gz");
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(tar);
        }

        await File.WriteAllTextAsync(path + ".sha256", $"{Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)))}  {name}.tar.gz\n");
        return path;
    }

    public static TheoryData<string> Malformations() => ["first-member-a-file", "pax-size-overflow", "member-claims-8-GiB", "header-checksum-wrong", "size-not-octal"];

    private static byte[] Tar(string malformation)
    {
        var dir = Header("c1/", '5', "0");
        var end = new byte[1024];
        return malformation switch
        {
            // The case's files must sit below one directory; a file first is no bundle of ours.
            "first-member-a-file" => [.. Header("x", '0', "3"), .. Padded("abc"u8.ToArray()), .. end],
            "pax-size-overflow" => [.. Pax("size", new string('9', 30)), .. Header("c1/SHA256SUMS", '0', "0"), .. end],
            // A member that claims nearly 8 GiB in a stream of a few KiB: the reader must not skip into the void or past what GNU tar sees.
            "member-claims-8-GiB" => [.. dir, .. Header("c1/SHA256SUMS", '0', "77777777777"), .. new byte[4096]],
            "header-checksum-wrong" => [.. dir, .. Header("c1/SHA256SUMS", '0', "0") is var h ? h.Select((b, i) => i == 148 ? (byte)'7' : b).ToArray() : [], .. end],
            "size-not-octal" => [.. dir, .. Header("c1/SHA256SUMS", '0', "9z"), .. end],
            _ => throw new ArgumentOutOfRangeException(nameof(malformation)),
        };
    }

    [Theory]
    [MemberData(nameof(Malformations))]
    public async Task MalformedBundle_EveryReader_FailsVerificationInOneLine_NeverAnInternalError(string malformation)
    {
        var bundle = await BundleAsync(malformation, Tar(malformation));
        string[][] readers = [["verify", bundle], ["findings", bundle], ["report", bundle], ["timeline", bundle], ["show", bundle, "/etc/passwd"], ["hunt", "--case", bundle, "--images"]];
        foreach (var args in readers)
        {
            // Peak memory measured as the reader runs: a malformed header must not make it allocate what the header claims.
            var result = await ProcessRunner.RunAsync("/usr/bin/time", ["-f", "peak-rss-kb %M", "dotnet", Path.Combine(AppContext.BaseDirectory, "dockerir.dll"), .. args],
                new Dictionary<string, string?> { ["DOCKERIR_CACHE_DIR"] = "off" });
            Assert.True(result.ExitCode == (int)ExitCode.VerificationFailed, $"{args[0]} of {malformation}: exit {result.ExitCode}: {result.StdErr}");
            var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var rss = lines.Single(l => l.StartsWith("peak-rss-kb ", StringComparison.Ordinal));
            Assert.True(long.Parse(rss["peak-rss-kb ".Length..], System.Globalization.CultureInfo.InvariantCulture) < 300 << 10, $"{args[0]} of {malformation}: {rss}");
            var line = Assert.Single(lines, l => l != rss && !l.StartsWith("Command exited with non-zero status", StringComparison.Ordinal));
            Assert.StartsWith("dockerir: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        }

        Assert.Equal([bundle, bundle + ".sha256"], Directory.GetFiles(workDir).Order(StringComparer.Ordinal));
    }
}
