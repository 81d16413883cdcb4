using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using DockerIR.Core.Formats;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// A container shaped by an attacker: links out of the root, a directory swapped for a symlink, 100,000 tiny
/// files and a 10 GB sparse file. It is extracted and bundled with nothing written outside the case, no link
/// or device created on the host, every change-set entry accounted for, and a bundle GNU tar unpacks in place.
/// </summary>
public sealed class HostileContainerTests(HostileContainerTests.Fixture fixture) : IClassFixture<HostileContainerTests.Fixture>
{
    private const string Attack = """
        set -e
        ln -s /etc /evil-etc && ln -s /root /evil-root && ln -s /proc/self/root /evil-procroot
        rm -rf /srv/www && ln -s /etc /srv/www
        truncate -s 10G /huge.sparse
        touch /ready
        exec sleep 3600
        """;

    [Fact]
    public void Extract_WithASparseFileOverTheCap_ExitsPartialAndSaysSo()
    {
        Assert.Equal((int)ExitCode.PartialEvidence, fixture.Extract.ExitCode);
        Assert.Contains("partial evidence", fixture.Extract.StdErr, StringComparison.Ordinal);
        Assert.False(fixture.Manifest.GetProperty("complete").GetBoolean());
        var gap = Assert.Single(fixture.Manifest.GetProperty("gaps").EnumerateArray());
        Assert.Contains("/huge.sparse: over --max-file-size", gap.GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_AccountsForEveryChangeSetEntry()
    {
        var changes = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.CaseDir, "changes.json"))).RootElement
            .EnumerateArray().Select(c => c.GetProperty("path").GetString()).ToList();
        var entries = fixture.Manifest.GetProperty("entries").EnumerateArray().ToList();

        Assert.True(changes.Count > 100_000, $"only {changes.Count} changes");
        Assert.Equal(changes, entries.Select(e => e.GetProperty("path").GetString()));
        Assert.All(entries.Where(e => e.GetProperty("kind").GetString() != "D"), e => Assert.True(e.TryGetProperty("after", out _)));
        var stored = entries.Count(e => e.TryGetProperty("after", out var a) && a.TryGetProperty("member", out _));
        Assert.Equal(entries.Count(e => e.GetProperty("kind").GetString() != "D") - 1, stored);
    }

    [Theory]
    [InlineData("/evil-etc", "/etc")]
    [InlineData("/evil-root", "/root")]
    [InlineData("/evil-procroot", "/proc/self/root")]
    [InlineData("/srv/www", "/etc")]
    public void Symlinks_AreRecordedWithTheirTargetsNeverFollowed(string path, string target)
    {
        var after = fixture.Manifest.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("path").GetString() == path).GetProperty("after");

        Assert.Equal("symlink", after.GetProperty("type").GetString());
        Assert.Equal(target, after.GetProperty("linkTarget").GetString());
    }

    [Fact]
    public void DirectoryReplacedByASymlink_KeepsTheOriginalDirectory()
    {
        var before = fixture.Manifest.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("path").GetString() == "/srv/www").GetProperty("before");

        Assert.Equal("directory", before.GetProperty("type").GetString());
    }

    [Fact]
    public async Task NothingIsWrittenOutsideTheCaseAndNoLinkOrDeviceIsCreated()
    {
        var top = Directory.GetFileSystemEntries(fixture.WorkDir).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["case", "case.tar.gz", "case.tar.gz.sha256"], top);

        var find = await ProcessRunner.RunAsync("find", [fixture.CaseDir, "-not", "-type", "f", "-not", "-type", "d"]);
        Assert.Equal("", find.StdOut);
    }

    [Fact]
    public async Task Bundle_UnpacksWithGnuTarInsideItsOwnDirectory()
    {
        var unpack = Directory.CreateTempSubdirectory("dockerir-hostile-unpack-").FullName;
        try
        {
            var list = await ProcessRunner.RunAsync("tar", ["-tzf", fixture.Bundle]);
            var names = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var caseId = fixture.Manifest.GetProperty("caseId").GetString()!;
            Assert.All(names, n => Assert.StartsWith(caseId + "/", n, StringComparison.Ordinal));
            Assert.DoesNotContain(names, n => n.Split('/').Contains(".."));

            Assert.Equal(0, (await ProcessRunner.RunAsync("tar", ["-xzf", fixture.Bundle, "-C", unpack])).ExitCode);
            Assert.Equal([caseId], Directory.GetFileSystemEntries(unpack).Select(Path.GetFileName));
            Assert.Equal("", (await ProcessRunner.RunAsync("find", [unpack, "-type", "l"])).StdOut);
        }
        finally
        {
            Directory.Delete(unpack, recursive: true);
        }
    }

    [Fact]
    public async Task Verify_HostileBundle_IsIntactButNotComplete()
    {
        var result = await ProcessRunner.DockerIRAsync(["verify", fixture.Bundle]);

        Assert.Equal((int)ExitCode.PartialEvidence, result.ExitCode);
        Assert.Contains("OK:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("not complete", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_OfTheHostileCase_SaysWhatIsMissing_AndStaysBounded()
    {
        // The copy sealed in the bundle, and the one the command builds from the bundle: both say the evidence is partial.
        var built = await ProcessRunner.DockerIRAsync(["report", fixture.Bundle, "--format", "html"]);
        CliAssert.Success(built);
        foreach (var html in new[] { await File.ReadAllTextAsync(Path.Combine(fixture.CaseDir, "report.html")), built.StdOut })
        {
            var box = html[html.IndexOf("id=\"verdict\"", StringComparison.Ordinal)..html.IndexOf("</section>", StringComparison.Ordinal)];
            Assert.Contains("The evidence is NOT complete: 1 gaps (/huge.sparse: over --max-file-size", box, StringComparison.Ordinal);
            // 100,000 changes: the picture and the tables stay within their room.
            Assert.InRange(System.Text.RegularExpressions.Regex.Count(html, "<g class=\"ev "), 1, 160);
            Assert.True(html.Length < 4 << 20, $"the report is {html.Length} characters");
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Builds and attacks the container once, then snapshots, extracts and bundles it through the CLI.</summary>
    public sealed class Fixture : EngineFixture
    {
        public string WorkDir { get; } = Directory.CreateTempSubdirectory("dockerir-hostile-").FullName;

        public string CaseDir => Path.Combine(WorkDir, "case");

        public string Bundle => CaseDir + ".tar.gz";

        public ProcessResult Extract { get; private set; } = new(-1, "", "");

        public JsonElement Manifest { get; private set; }

        protected override async Task SetUpAsync()
        {
            var ct = CancellationToken.None;
            await using var tar = await RootfsBuilder.Busybox().File("/srv/www/index.html", "<h1>site</h1>\n").ToTarAsync(ct);
            var image = await Engine.ImportImageAsync(tar, new ImportRequest("dockerir-test/hostile", Resources.RunId,
                Resources.Labels.Select(kv => $"LABEL {kv.Key}=\"{kv.Value}\"").ToList()), ct);
            var id = await Engine.CreateContainerAsync(new ContainerSpec { Image = image, Cmd = ["/bin/sh", "-c", Attack], Labels = Resources.Labels },
                Resources.Name("hostile"), ct);
            await Engine.StartAsync(id, ct);
            for (var i = 0; !await HasChangeAsync(id, "/ready", ct); i++)
            {
                Assert.True(i < 600 && (await Engine.InspectContainerAsync(id, ct)).State.Running, "the hostile container did not get ready");
                await Task.Delay(200, ct);
            }

            // 100,000 tiny files into the writable layer, uploaded as one tar (a shell loop in busybox takes a minute).
            var many = Path.Combine(WorkDir, "many.tar");
            await using (var file = File.Create(many))
            await using (var writer = new TarStreamWriter(file))
            {
                await writer.WriteAsync(new TarMember { Name = "many/", Type = TarItemType.Directory, Mode = 0x1ED }, null, ct);
                for (var d = 1; d <= 100; d++)
                {
                    await writer.WriteAsync(new TarMember { Name = $"many/d{d}/", Type = TarItemType.Directory, Mode = 0x1ED }, null, ct);
                    for (var f = 1; f <= 1000; f++)
                    {
                        var data = System.Text.Encoding.ASCII.GetBytes($"{f}\n");
                        await writer.WriteAsync(new TarMember { Name = $"many/d{d}/f{f}", Type = TarItemType.File, Mode = 0x1A4, Size = data.Length }, new MemoryStream(data), ct);
                    }
                }
            }

            var upload = await ProcessRunner.RunAsync("docker", ["cp", "-", $"{id}:/"], stdinFile: many);
            Assert.True(upload.ExitCode == 0, upload.StdErr);
            File.Delete(many);

            // The commit tars 100,000 files and a 10 GB sparse file in the daemon: minutes when the machine is busy
            // with the other test classes. This fixture tests hostile content, not speed (that is bench/).
            var slow = TimeSpan.FromMinutes(10);
            CliAssert.Success(await ProcessRunner.DockerIRAsync(["snapshot", id, "--case-dir", CaseDir], workingDirectory: WorkDir, timeout: slow));
            Extract = await ProcessRunner.DockerIRAsync(["extract", CaseDir], workingDirectory: WorkDir, timeout: slow);
            var bundle = await ProcessRunner.DockerIRAsync(["bundle", CaseDir], workingDirectory: WorkDir, timeout: slow);
            Assert.Equal((int)ExitCode.PartialEvidence, bundle.ExitCode);
            Manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(CaseDir, "manifest.json"))).RootElement.Clone();
        }

        /// <summary>
        /// Whether the change set holds a path yet. While the attack script still moves directories around, the
        /// daemon's walk of the layer can hit one that just went away ("readdirent: no such file or directory");
        /// that poll counts as not yet.
        /// </summary>
        private async Task<bool> HasChangeAsync(string id, string path, CancellationToken ct)
        {
            try
            {
                return (await Engine.GetChangesAsync(id, ct)).Any(c => c.Path == path);
            }
            catch (Core.Engine.EngineApiException e) when (e.Message.Contains("no such file or directory", StringComparison.Ordinal))
            {
                return false;
            }
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(WorkDir, recursive: true);
        }
    }
}
