using System.Text.Json;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>`dockerir hunt` against the real engine: where else is what one case found?</summary>
public sealed class HuntCommandTests(BusyboxFixture busybox) : IClassFixture<BusyboxFixture>, IDisposable
{
    private const string OtherShell = "<?php echo shell_exec($_GET['cmd']); ?>";

    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-hunt-").FullName;

    /// <summary>This run's web shell: its content and its name are this run's alone, so no other container or image on the engine matches it.</summary>
    private string Shell => $"<?php if(isset($_POST['k'])){{ eval($_POST['k']); }} /* h4x {busybox.Resources.RunId} */ ?>";

    private string ShellPath => $"/var/www/html/s-{busybox.Resources.RunId}.php";

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    private async Task<string> StartAsync(string stem, string script, string? image = null, string content = "")
    {
        var spec = busybox.Shell(script) with { Image = image ?? busybox.ImageReference, Env = [$"CONTENT={content}"] };
        var id = await busybox.Engine.CreateContainerAsync(spec, busybox.Resources.Name(stem), CancellationToken.None);
        await busybox.Engine.StartAsync(id, CancellationToken.None);
        for (var i = 0; !(await busybox.Engine.GetChangesAsync(id, CancellationToken.None)).Any(c => c.Path.EndsWith(".ready", StringComparison.Ordinal)); i++)
        {
            Assert.True(i < 300, $"{stem} never got ready");
            await Task.Delay(100);
        }

        return id;
    }

    /// <summary>A script writing $CONTENT (see <see cref="StartAsync"/>) to <paramref name="path"/>, byte for byte.</summary>
    private static string Write(string path) =>
        $"mkdir -p {Path.GetDirectoryName(path)} && printf '%s' \"$CONTENT\" > {path} && touch /.ready && exec sleep 3600";

    /// <summary>State, change set and the upper directory's listing: what a hunt must leave as it was.</summary>
    private static async Task<string> StateOfAsync(string id)
    {
        var inspect = await ProcessRunner.DockerAsync("inspect", "-f", "{{.State.Status}} {{.State.Paused}} {{.GraphDriver.Data.UpperDir}}", id);
        var upper = inspect.StdOut.Trim().Split(' ')[^1];
        var listing = await ProcessRunner.RunAsync("find", [upper, "-printf", "%P %y %s %T@ %A@\\n"]);
        // Sorted: the engine lists a change set in no stable order.
        var diff = (await ProcessRunner.DockerAsync("diff", id)).StdOut.Split('\n').Order(StringComparer.Ordinal);
        return inspect.StdOut + string.Join('\n', diff) + string.Join('\n', listing.StdOut.Split('\n').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Hunt_FindsTheSameFileTheSameRuleAndTheTrojanedImage_LeavesEveryContainerAsItWas_AndAPlaybookTakesItsTargets()
    {
        // The case: a suspect that dropped a web shell, snapshotted and extracted.
        var suspect = await StartAsync("hunt-suspect", Write(ShellPath), content: Shell);
        var caseDir = Path.Combine(workDir, "case");
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["snapshot", suspect, "--case-dir", caseDir, "--unpause"]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", caseDir]));

        // A: the same shell under another name and path. B: another web shell. C: clean.
        var a = await StartAsync("hunt-a", Write("/srv/uploads/avatar.php"), content: Shell);
        var b = await StartAsync("hunt-b", Write("/var/www/html/cmd.php"), content: OtherShell);
        var c = await StartAsync("hunt-c", "touch /.ready && exec sleep 3600");
        // D: from an image whose layer holds the shell (committed from a container that planted it), clean itself.
        var planter = await StartAsync("hunt-planter", Write(ShellPath), content: Shell);
        var labels = busybox.Resources.Labels.SelectMany(kv => new[] { "--change", $"LABEL {kv.Key}={kv.Value}" }).ToArray();
        var trojan = $"dockerir-test/trojan:{busybox.Resources.RunId}";
        Assert.Equal(0, (await ProcessRunner.DockerAsync(["commit", .. labels, planter, trojan])).ExitCode);
        await busybox.Engine.RemoveContainerAsync(planter, force: true, removeVolumes: true, CancellationToken.None);
        // Its image already holds the planter's /.ready: D marks itself ready with a file of its own (a new one is
        // always an addition in its layer, whatever the engine makes of touching a file of the image).
        var d = await StartAsync("hunt-d", "touch /.ready2 /.d.ready && exec sleep 3600", trojan);
        string[] swept = [a, b, c, d];
        var before = new Dictionary<string, string>();
        foreach (var id in swept)
        {
            before[id] = await StateOfAsync(id);
        }

        var reportFile = Path.Combine(workDir, "hunt.json");
        var sarifFile = Path.Combine(workDir, "hunt.sarif");
        var result = await ProcessRunner.DockerIRAsync(["hunt", "--case", caseDir, .. swept, "--images", "--json", "-o", reportFile, "--sarif", sarifFile]);

        CliAssert.Success(result);
        var report = JsonDocument.Parse(result.StdOut).RootElement;
        List<(string Kind, string Rule, string Path)> MatchesOf(string id) =>
            report.GetProperty("containers").EnumerateArray().Single(x => x.GetProperty("id").GetString() == id).GetProperty("matches").EnumerateArray()
                .Select(m => (m.GetProperty("kind").GetString()!, m.GetProperty("rule").GetString()!, m.GetProperty("path").GetString()!)).ToList();

        Assert.Contains(("file", "hunt.same-file", "/srv/uploads/avatar.php"), MatchesOf(a));
        var bMatches = MatchesOf(b);
        Assert.Contains(bMatches, m => m is { Kind: "rule", Path: "/var/www/html/cmd.php" } && m.Rule.StartsWith("webshell.", StringComparison.Ordinal));
        Assert.DoesNotContain(bMatches, m => m.Kind == "file");
        Assert.Empty(MatchesOf(c));
        Assert.Empty(MatchesOf(d));
        var image = report.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == trojan));
        Assert.Contains(image.GetProperty("matches").EnumerateArray(), m => m.GetProperty("kind").GetString() == "file" && m.GetProperty("path").GetString() == ShellPath);
        Assert.Equal([d], image.GetProperty("containerIds").EnumerateArray().Select(x => x.GetString()!).ToList());
        Assert.Equal(new[] { a, b, d }.Order(), report.GetProperty("targets").EnumerateArray().Select(x => x.GetString()!).Order());
        Assert.Equal(result.StdOut.Trim(), (await File.ReadAllTextAsync(reportFile)).Trim());

        // Nothing was paused, written or even read-touched (access times included).
        foreach (var id in swept)
        {
            Assert.Equal(before[id], await StateOfAsync(id));
        }

        // The case records that its evidence was used; the SARIF is fit for code scanning.
        Assert.Contains("\"action\":\"hunt\"", await File.ReadAllTextAsync(Path.Combine(caseDir, "custody.jsonl")), StringComparison.Ordinal);
        await SarifValidator.AssertNoErrorsAsync(sarifFile);
        Assert.Equal((int)ExitCode.AuditFailed, (await ProcessRunner.DockerIRAsync(["hunt", "--case", caseDir, c, a, "--fail-on", "high", "--json"])).ExitCode);
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["hunt", "--case", caseDir, c, "--fail-on", "low", "--json"]));

        // "Respond to every container where the shell was found" is one command.
        var runDir = Path.Combine(workDir, "run");
        var run = await ProcessRunner.DockerIRAsync(["playbook", "run", Path.Combine(Checkout.Root(), "playbooks", "fleet-snapshot.yaml"), "--targets-from", reportFile,
            "--out-dir", runDir, "--json"]);
        CliAssert.Success(run);
        var snapshotted = JsonDocument.Parse(run.StdOut).RootElement.GetProperty("cases").EnumerateArray().Select(x => x.GetProperty("containerId").GetString()!).Order();
        Assert.Equal(new[] { a, b, d }.Order(), snapshotted);
    }

    [Fact]
    public async Task Hunt_ThroughTheArchiveEndpoint_FindsTheSame_AndAnIocFileAddsHashesGlobsAndPatterns()
    {
        var a = await StartAsync("ioc-a", Write("/opt/.cache/x.phtml"), content: Shell);
        var ioc = Path.Combine(workDir, "iocs.yaml");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Shell)));
        await File.WriteAllTextAsync(ioc, $"""
            # what another team saw
            hashes:
              - sha256: {sha}
                note: the shell from the partner's incident
            paths:
              - glob: "*.phtml"
            patterns:
              - id: ioc.h4x-marker
                regex: 'h4x'
                severity: medium
            """);

        foreach (var source in new[] { "archive", "layer" })
        {
            var result = await ProcessRunner.DockerIRAsync(["hunt", "--ioc", ioc, a, "--source", source, "--json"]);
            CliAssert.Success(result);
            var container = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("containers")[0];
            Assert.Equal(source, container.GetProperty("source").GetString());
            var kinds = container.GetProperty("matches").EnumerateArray().Select(m => (m.GetProperty("kind").GetString(), m.GetProperty("rule").GetString())).ToList();
            Assert.Contains(("file", "hunt.same-file"), kinds);
            Assert.Contains(("pattern", "ioc.h4x-marker"), kinds);
            Assert.Contains(kinds, k => k.Item1 == "rule");
        }

        // The glob matches by name when the content is unknown.
        var b = await StartAsync("ioc-b", Write("/srv/y.phtml"), content: "harmless");
        var byName = JsonDocument.Parse((await ProcessRunner.DockerIRAsync(["hunt", "--ioc", ioc, b, "--json"])).StdOut).RootElement.GetProperty("containers")[0];
        Assert.Contains(byName.GetProperty("matches").EnumerateArray(), m => m.GetProperty("rule").GetString() == "hunt.ioc-path" && m.GetProperty("path").GetString() == "/srv/y.phtml");

        // Bad input: one usage line naming FILE:LINE:COL.
        var bad = Path.Combine(workDir, "bad.yaml");
        await File.WriteAllTextAsync(bad, "hashes:\n  - sha256: nothex\n");
        var error = CliAssert.OneLineError(await ProcessRunner.DockerIRAsync(["hunt", "--ioc", bad, b]), ExitCode.Usage);
        Assert.Contains($"{bad}:2:5: a hash needs 'sha256:'", error, StringComparison.Ordinal);
        var noIndicators = await ProcessRunner.DockerIRAsync(["hunt", b]);
        Assert.Equal((int)ExitCode.Usage, noIndicators.ExitCode);
        Assert.StartsWith("dockerir: error: give the indicators", noIndicators.StdErr, StringComparison.Ordinal);
    }
}
