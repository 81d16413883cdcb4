using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Evidence;
using DockerIR.Core.Response;
using DockerIR.Testing;
using Serilog.Core;

namespace DockerIR.Core.Tests;

/// <summary>
/// Extraction without an engine: the breached container of <see cref="FakeBreach"/> snapshotted, extracted, bundled and
/// verified through the fakes, once with the layers read from disk (an engine on this host) and once through the
/// archive role (an engine elsewhere); both must store the same evidence.
/// </summary>
public sealed class ExtractWorkflowTests : IDisposable
{
    private readonly string cases = Directory.CreateTempSubdirectory("dockerir-extract-tests-").FullName;
    private readonly List<FakeBreach> breaches = [];

    private async Task<(CaseRunResult Result, Manifest Manifest, FakeEngine Engine)> RunAsync(string endpoint)
    {
        var breach = await FakeBreach.CreateAsync(endpoint);
        breaches.Add(breach);
        using var http = new HttpClient();
        var result = await new CaseRunner(breach.Engine, new Actor("alice", "ir-host", "9.9.9"), TimeProvider.System, Logger.None, http)
            .StartAsync("web", null, Path.Combine(cases, endpoint.Split(':')[0]), "respond",
                [StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Extract), StepSpec.Of(StepSpec.Bundle), StepSpec.Of(StepSpec.Verify)], null, CancellationToken.None);
        Assert.True(result.Succeeded, result.Failure);
        var manifest = await ManifestFile.ReadAsync(Path.Combine(result.CaseDir, Manifest.FileName), CancellationToken.None);
        return (result, manifest, breach.Engine);
    }

    [Theory]
    [InlineData("unix:///fake/docker.sock", "layer")]
    [InlineData("tcp://fake:2376", "archive")]
    public async Task Extract_TheBreach_StoresEveryAddedAndChangedFileAndEveryOriginal_Hashed_AndVerifies(string endpoint, string source)
    {
        var (result, manifest, _) = await RunAsync(endpoint);

        // Every file is stored; the one gap is the volatile state a fake's process cannot show on this host.
        Assert.DoesNotContain(manifest.Entries, e => e.After?.Gap == true || e.Before?.Gap == true);
        var gap = Assert.Single(manifest.Gaps);
        Assert.StartsWith("container/processes.json: ", gap, StringComparison.Ordinal);
        Assert.False(result.EvidenceComplete);
        Assert.Equal(source, manifest.AfterSource);
        Assert.Equal(source, manifest.BeforeSource);
        var entries = manifest.Entries.ToDictionary(e => e.Path);
        Assert.Equal(FakeBreach.ChangeSet.Select(c => c.Path).Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));

        // The shell as the attacker left it; the defaced page and the page it replaced; the deleted tool's original.
        Assert.Equal(FakeBreach.Sha256(FakeBreach.Shell), entries["/var/www/html/shell.php"].After!.Sha256);
        Assert.Equal(FakeBreach.Sha256(FakeBreach.DefacedPage), entries["/var/www/html/index.html"].After!.Sha256);
        Assert.Equal(FakeBreach.Sha256(FakeBreach.OriginalPage), entries["/var/www/html/index.html"].Before!.Sha256);
        Assert.Equal(FakeBreach.Sha256(FakeBreach.Tool), entries["/usr/bin/tool"].Before!.Sha256);
        Assert.Null(entries["/usr/bin/tool"].After?.Sha256);

        // The link to the host's /etc/shadow is stored as a link, never followed.
        var link = entries["/var/www/html/escape"].After!;
        Assert.Equal(("symlink", "/etc/shadow", null), (link.Type, link.LinkTarget, link.Sha256));
        Assert.Equal(Classification.Suspicious, entries["/var/www/html/shell.php"].Classification);

        var verified = await VerifyWorkflow.RunAsync(result.BundlePath!, CancellationToken.None);
        Assert.True(verified.Intact, string.Join("; ", verified.Problems.Select(p => $"{p.Name}: {p.Detail}")));
    }

    [Fact]
    public async Task Extract_OverTheArchive_StoresWhatTheLayersStore_AndRemovesItsHelperContainers()
    {
        var (_, layers, _) = await RunAsync("unix:///fake/docker.sock");
        var (_, archive, engine) = await RunAsync("tcp://fake:2376");

        static IEnumerable<string> Facts(Manifest m) => m.Entries.Select(e => $"{e.Path} {e.Kind} {e.After?.Type}:{e.After?.Sha256}:{e.After?.LinkTarget} {e.Before?.Type}:{e.Before?.Sha256}");
        Assert.Equal(Facts(layers), Facts(archive));
        Assert.Contains("archive", engine.Calls);
        Assert.Equal([FakeBreach.Id], engine.Containers.All.Select(c => c.Id));
    }

    [Fact]
    public async Task Extract_WithTheShellOverTheCap_NamesTheGap_AndTheRunSaysTheEvidenceIsIncomplete()
    {
        var breach = await FakeBreach.CreateAsync();
        breaches.Add(breach);
        using var http = new HttpClient();
        var result = await new CaseRunner(breach.Engine, new Actor("alice", "ir-host", "9.9.9"), TimeProvider.System, Logger.None, http)
            .StartAsync("web", null, cases, "respond",
                [StepSpec.Of(StepSpec.Snapshot), StepSpec.Of(StepSpec.Extract, ("max_file_size", "24")), StepSpec.Of(StepSpec.Bundle)], null, CancellationToken.None);

        var manifest = await ManifestFile.ReadAsync(Path.Combine(result.CaseDir, Manifest.FileName), CancellationToken.None);
        Assert.False(result.EvidenceComplete);
        Assert.False(manifest.Complete);
        var shell = manifest.Entries.Single(e => e.Path == "/var/www/html/shell.php").After!;
        Assert.True(shell.Gap);
        Assert.Null(shell.Sha256);
        Assert.Contains(manifest.Gaps, g => g.Contains("shell.php", StringComparison.Ordinal));
        Assert.Equal(2, manifest.Gaps.Count);
    }

    public void Dispose()
    {
        foreach (var breach in breaches)
        {
            breach.Dispose();
        }

        Directory.Delete(cases, recursive: true);
    }
}
