using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Demo;
using DockerIR.Core.Formats;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>extract, bundle, verify and show on the breached demo app, through the built CLI and the real engine.</summary>
public sealed class EvidenceCommandTests(DemoAppFixture demo) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-evidence-").FullName;

    /// <summary>Breach, snapshot, extract and bundle; returns the case directory, the bundle and the evidence image.</summary>
    private async Task<(string CaseDir, string Bundle, string EvidenceImage)> BundledCaseAsync(string stem)
    {
        var app = await demo.StartBreachedAsync(stem);
        var caseDir = Path.Combine(workDir, stem);
        var snap = await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", caseDir, "--json"]);
        CliAssert.Success(snap);
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", caseDir]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", caseDir]));
        return (caseDir, caseDir + ".tar.gz", JsonDocument.Parse(snap.StdOut).RootElement.GetProperty("evidenceImageId").GetString()!);
    }

    [Fact]
    public async Task Show_Shell_PrintsExactlyWhatDockerCpReadsFromTheEvidenceImage()
    {
        var (caseDir, bundle, image) = await BundledCaseAsync("show");
        var reader = await ProcessRunner.DockerAsync("create", "--label", $"{TestResources.RunLabel}={demo.Resources.RunId}", "--label", $"{TestResources.TestLabel}=1", image, "/never-started");
        Assert.Equal(0, reader.ExitCode);
        var copied = Path.Combine(workDir, "shell-from-docker-cp.php");
        Assert.Equal(0, (await ProcessRunner.DockerAsync("cp", $"{reader.StdOut.Trim()}:{DemoAttacker.ShellPath}", copied)).ExitCode);

        var fromCase = await ProcessRunner.DockerIRAsync(["show", caseDir, DemoAttacker.ShellPath]);
        var fromBundle = await ProcessRunner.DockerIRAsync(["show", bundle, DemoAttacker.ShellPath]);

        CliAssert.Success(fromCase);
        CliAssert.Success(fromBundle);
        var expected = await File.ReadAllTextAsync(copied);
        Assert.Equal(DemoAttacker.ShellContent, expected);
        Assert.Equal(expected, fromCase.StdOut);
        Assert.Equal(expected, fromBundle.StdOut);
    }

    [Fact]
    public async Task Extract_BeforeTar_HoldsTheOriginalIndexAndADiffOfTheDefacement()
    {
        var (caseDir, _, _) = await BundledCaseAsync("before");

        string? original = null;
        await using (var tar = File.OpenRead(Path.Combine(caseDir, "artifacts/before.tar")))
        {
            var reader = new TarStreamReader(tar);
            while (await reader.NextAsync(CancellationToken.None) is { } item)
            {
                if (item.Name == "var/www/html/index.html")
                {
                    using var text = new StreamReader(item.Data);
                    original = await text.ReadToEndAsync();
                }
            }
        }

        Assert.Equal(DemoWebApp.OriginalIndex, original);
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "manifest.json"))).RootElement;
        var index = manifest.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("path").GetString() == DemoAttacker.IndexPath);
        Assert.Equal("content", index.GetProperty("contentChange").GetString());
        var diff = await File.ReadAllTextAsync(Path.Combine(caseDir, index.GetProperty("diff").GetString()!));
        Assert.Contains("-<body><h1>ACME Corp</h1>", diff, StringComparison.Ordinal);
        Assert.Contains("+<html><body style=\"background:black;color:red\"><h1>HACKED", diff, StringComparison.Ordinal);
        Assert.True(manifest.GetProperty("complete").GetBoolean());
        Assert.Equal("layer", manifest.GetProperty("afterSource").GetString());
    }

    [Fact]
    public async Task Bundle_UnpackedWithGnuTar_PassesSha256sumCheck()
    {
        var (_, bundle, _) = await BundledCaseAsync("sums");
        var unpack = Directory.CreateDirectory(Path.Combine(workDir, "unpacked")).FullName;

        Assert.Equal(0, (await ProcessRunner.RunAsync("tar", ["-xzf", bundle, "-C", unpack])).ExitCode);
        var top = Assert.Single(Directory.GetDirectories(unpack));
        var check = await ProcessRunner.RunAsync("sha256sum", ["-c", "SHA256SUMS"], workingDirectory: top);

        Assert.Equal(0, check.ExitCode);
        Assert.Contains("artifacts/after.tar: OK", check.StdOut, StringComparison.Ordinal);
        Assert.Contains("manifest.json: OK", check.StdOut, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(unpack));
        var sum = (await File.ReadAllTextAsync(bundle + ".sha256")).Split(' ')[0];
        Assert.Equal(sum, (await ProcessRunner.RunAsync("sha256sum", [bundle])).StdOut.Split(' ')[0]);
        // The companion file is one a stock tool reads as it is (no byte-order mark, the coreutils line format).
        var companion = await ProcessRunner.RunAsync("sha256sum", ["-c", Path.GetFileName(bundle) + ".sha256"], workingDirectory: Path.GetDirectoryName(bundle));
        Assert.True(companion.ExitCode == 0, companion.StdOut + companion.StdErr);
        Assert.Equal($"{Path.GetFileName(bundle)}: OK", companion.StdOut.Trim());
    }

    [Fact]
    public async Task Verify_IntactBundleAndCase_Pass()
    {
        var (caseDir, bundle, _) = await BundledCaseAsync("verify-ok");

        var onBundle = await ProcessRunner.DockerIRAsync(["verify", bundle]);
        var onCase = await ProcessRunner.DockerIRAsync(["verify", caseDir, "--json"]);

        CliAssert.Success(onBundle);
        CliAssert.Success(onCase);
        Assert.Contains("OK:", onBundle.StdOut, StringComparison.Ordinal);
        var json = JsonDocument.Parse(onCase.StdOut).RootElement;
        Assert.True(json.GetProperty("intact").GetBoolean());
        Assert.True(json.GetProperty("membersChecked").GetInt32() >= 5);
    }

    [Fact]
    public async Task Verify_OneByteOfAfterTarAltered_FailsNamingTheFileAndTheMember()
    {
        var (caseDir, _, _) = await BundledCaseAsync("verify-tar");
        var tarPath = Path.Combine(caseDir, "artifacts/after.tar");
        var bytes = await File.ReadAllBytesAsync(tarPath);
        bytes[bytes.AsSpan().IndexOf("<?php"u8) + 2] ^= 0x01;
        await File.WriteAllBytesAsync(tarPath, bytes);

        var result = await ProcessRunner.DockerIRAsync(["verify", caseDir]);

        Assert.Equal((int)ExitCode.VerificationFailed, result.ExitCode);
        Assert.Contains("ALTERED artifacts/after.tar:var/www/html/shell.php", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("ALTERED artifacts/after.tar: sha256", result.StdOut, StringComparison.Ordinal);
        Assert.StartsWith("dockerir: verification failed: altered artifacts/after.tar", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OneByteOfTheBundleAltered_FailsNamingTheBundle()
    {
        var (_, bundle, _) = await BundledCaseAsync("verify-tgz");
        var original = await File.ReadAllBytesAsync(bundle);

        // The damage lands in a member's compressed data or between members depending on where it is; each is a
        // verification failure that names the bundle, never an internal error.
        foreach (var at in Enumerable.Range(1, 39).Select(i => original.Length * i / 40))
        {
            var bytes = original.ToArray();
            bytes[at] ^= 0x01;
            await File.WriteAllBytesAsync(bundle, bytes);

            var result = await ProcessRunner.DockerIRAsync(["verify", bundle]);

            Assert.True((int)ExitCode.VerificationFailed == result.ExitCode, $"byte {at} of {original.Length}: exit {result.ExitCode}; {result.StdErr}");
            Assert.Contains($"ALTERED {Path.GetFileName(bundle)}: sha256", result.StdOut, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Show_AddedPathWithBefore_IsNotFoundWithAHint()
    {
        var (caseDir, _, _) = await BundledCaseAsync("show-missing");

        var result = await ProcessRunner.DockerIRAsync(["show", caseDir, DemoAttacker.ShellPath, "--before"]);

        var line = CliAssert.OneLineError(result, ExitCode.NotFound);
        Assert.Contains("it was added, so there is no original", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_SnapshotlessDirectory_IsNotFound()
    {
        var result = await ProcessRunner.DockerIRAsync(["extract", workDir]);

        CliAssert.OneLineError(result, ExitCode.NotFound);
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
