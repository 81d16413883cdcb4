using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// The form users run: scripts/install.sh puts one native executable in PREFIX/bin that works with no .NET on the
/// PATH (nothing in its environment at all) and on an older glibc, against the real engine; scripts/release.sh
/// writes an archive that `sha256sum -c` checks.
/// </summary>
public sealed class InstallTests(BusyboxFixture busybox) : IClassFixture<BusyboxFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-install-").FullName;

    private static readonly TimeSpan Build = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Install_GivesOneNativeBinary_ThatRunsVersionAndDiffWithoutDotnet()
    {
        var prefix = Path.Combine(workDir, "prefix");
        var install = await ProcessRunner.RunAsync("bash", [Path.Combine(Checkout.Root(), "scripts", "install.sh"), "--prefix", prefix], timeout: Build);
        Assert.True(install.ExitCode == 0, install.StdErr);
        var binary = Path.Combine(prefix, "bin", "dockerir");
        Assert.Equal([Path.Combine(prefix, "bin"), Path.Combine(prefix, "share")], Directory.GetDirectories(prefix).Order());
        Assert.Equal([binary], Directory.GetFiles(Path.Combine(prefix, "bin")));
        var docs = Path.Combine(prefix, "share", "doc", "dockerir");
        Assert.True(File.Exists(Path.Combine(docs, "audit.md")), "install.sh installs the docs beside the binary");

        // An ELF executable, not a script that calls dotnet.
        var head = new byte[4];
        await using (var file = File.OpenRead(binary))
        {
            await file.ReadExactlyAsync(head);
        }

        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], head);

        var id = await busybox.Engine.CreateContainerAsync(busybox.Shell("echo x > /dropped && exec sleep 3600"), busybox.Resources.Name("install"), CancellationToken.None);
        await busybox.Engine.StartAsync(id, CancellationToken.None);
        for (var i = 0; !(await busybox.Engine.GetChangesAsync(id, CancellationToken.None)).Any(c => c.Path == "/dropped"); i++)
        {
            Assert.True(i < 100, "the container never wrote /dropped");
            await Task.Delay(100);
        }

        // env -i: no PATH (so no dotnet), no DOTNET_ROOT, nothing but the engine's default socket.
        var version = await ProcessRunner.RunAsync("env", ["-i", binary, "--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+\+[0-9a-f]{40}\n$", version.StdOut);
        var diff = await ProcessRunner.RunAsync("env", ["-i", binary, "diff", id, "--json"]);
        Assert.True(diff.ExitCode == 0, diff.StdErr);
        Assert.Contains("\"/dropped\"", diff.StdOut, StringComparison.Ordinal);

        // Portable: no glibc symbol newer than 2.28 (GlibcCompat.targets), and it runs on an older Debian's glibc
        // than the one it was built on, in a container of that release, against this engine.
        var symbols = await ProcessRunner.RunAsync("objdump", ["-T", binary]);
        Assert.True(symbols.ExitCode == 0, "objdump (binutils) is needed: " + symbols.StdErr);
        var newest = System.Text.RegularExpressions.Regex.Matches(symbols.StdOut, @"GLIBC_(\d+)\.(\d+)")
            .Select(m => new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value))).Max();
        Assert.True(newest <= new Version(2, 28), $"the binary needs glibc {newest}; bind the new symbols in src/DockerIR.Cli/GlibcCompat.targets");
        var oldbase = await ProcessRunner.RunAsync("bash", [Path.Combine(Checkout.Root(), "scripts", "oldbase.sh")], timeout: Build);
        Assert.True(oldbase.ExitCode == 0, "scripts/oldbase.sh: " + oldbase.StdErr);
        var image = $"dockerir-test/oldbase:{busybox.Resources.RunId}";
        var labels = busybox.Resources.Labels.SelectMany(kv => new[] { "--change", $"LABEL {kv.Key}={kv.Value}" });
        var import = await ProcessRunner.RunAsync("docker", ["import", .. labels, oldbase.StdOut.Trim(), image]);
        Assert.True(import.ExitCode == 0, import.StdErr);
        string[] inOldBase = ["run", "--rm", "--label", $"{TestResources.RunLabel}={busybox.Resources.RunId}", "-v", $"{binary}:/usr/local/bin/dockerir:ro",
            "-v", "/var/run/docker.sock:/var/run/docker.sock", image];
        var glibc = await ProcessRunner.RunAsync("docker", [.. inOldBase, "ldd", "--version"]);
        var old = System.Text.RegularExpressions.Regex.Match(glibc.StdOut, @"(\d+)\.(\d+)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
        var hostGlibc = System.Text.RegularExpressions.Regex.Match((await ProcessRunner.RunAsync("ldd", ["--version"])).StdOut, @"(\d+)\.(\d+)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(new Version(old.Value.Trim()) < new Version(hostGlibc.Value.Trim()), $"the old base's glibc {old.Value.Trim()} is not older than this host's {hostGlibc.Value.Trim()}");
        var oldDiff = await ProcessRunner.RunAsync("docker", [.. inOldBase, "dockerir", "diff", id, "--json"]);
        Assert.True(oldDiff.ExitCode == 0, $"on glibc {old.Value.Trim()}: {oldDiff.StdErr}");
        Assert.Contains("\"/dropped\"", oldDiff.StdOut, StringComparison.Ordinal);

        // Its SARIF links each rule to its anchor in the installed docs.
        var sarifPath = Path.Combine(workDir, "installed-audit.sarif");
        var audit = await ProcessRunner.RunAsync("env", ["-i", binary, "audit", id, "--sarif", sarifPath]);
        Assert.True(audit.ExitCode == 0, audit.StdErr);
        using var sarif = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(sarifPath));
        var rule = sarif.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .Single(r => r.GetProperty("id").GetString() == "5.26");
        Assert.Equal(new Uri(Path.Combine(docs, "audit.md")).AbsoluteUri + "#cis-5.26", rule.GetProperty("helpUri").GetString());
    }

    [Fact]
    public async Task Release_WritesAnArchiveThatSha256sumChecks_HoldingTheBinaryAndTheDocs()
    {
        var outDir = Path.Combine(workDir, "release");
        var release = await ProcessRunner.RunAsync("bash", [Path.Combine(Checkout.Root(), "scripts", "release.sh"), "--out-dir", outDir], timeout: Build);
        Assert.True(release.ExitCode == 0, release.StdErr);

        var check = await ProcessRunner.RunAsync("sha256sum", ["-c", "SHA256SUMS"], workingDirectory: outDir);
        Assert.True(check.ExitCode == 0, check.StdOut + check.StdErr);
        var archive = Assert.Single(Directory.GetFiles(outDir, "*.tar.gz"));
        Assert.Matches(@"^dockerir-\d+\.\d+\.\d+-linux-x64\.tar\.gz$", Path.GetFileName(archive));
        var list = await ProcessRunner.RunAsync("tar", ["-tzf", archive]);
        var stem = Path.GetFileName(archive)[..^".tar.gz".Length];
        foreach (var member in new[] { "bin/dockerir", "README.md", "VERSION", "docs/bundle-format.md", "playbooks/web-rce-recovery.yaml" })
        {
            Assert.Contains($"{stem}/{member}", list.StdOut.Split('\n'));
        }

        // One altered byte: sha256sum refuses it.
        await using (var file = new FileStream(archive, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length / 2;
            var b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0xFF));
        }

        Assert.NotEqual(0, (await ProcessRunner.RunAsync("sha256sum", ["-c", "SHA256SUMS"], workingDirectory: outDir)).ExitCode);
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
