using System.Security.Cryptography;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// The hash-chained custody log through the built CLI and the real engine: a forger who edits, removes or reorders a
/// line of a sealed bundle and re-seals SHA256SUMS and the .sha256 by hand is caught by `verify`, which names the
/// line; lines appended after sealing keep the case directory checkable with `sha256sum -c`.
/// </summary>
public sealed class CustodyChainCommandTests(CustodyChainCommandTests.Fixture fixture) : IClassFixture<CustodyChainCommandTests.Fixture>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-chain-").FullName;

    /// <summary>
    /// Unpacks the sealed bundle, changes its custody lines, rewrites SHA256SUMS's custody line and the bundle's
    /// .sha256 as a forger would (members in their original order, so only the chain can tell), and returns the forgery.
    /// </summary>
    private Task<string> ForgeAsync(string stem, Func<List<string>, IEnumerable<string>> change) =>
        ForgeAsync(stem, CaseDirectory.CustodyFile, text => string.Join('\n', change(text.TrimEnd('\n').Split('\n').ToList())) + "\n");

    private async Task<string> ForgeAsync(string stem, string caseFile, Func<string, string> change)
    {
        var unpack = Directory.CreateDirectory(Path.Combine(workDir, stem)).FullName;
        Assert.Equal(0, (await ProcessRunner.RunAsync("tar", ["-xzf", fixture.Bundle, "-C", unpack])).ExitCode);
        var order = Path.Combine(workDir, stem + ".order");
        await File.WriteAllTextAsync(order, (await ProcessRunner.RunAsync("tar", ["-tzf", fixture.Bundle])).StdOut);
        var caseRoot = Directory.GetDirectories(unpack).Single();
        var target = Path.Combine(caseRoot, caseFile);
        await File.WriteAllTextAsync(target, change(await File.ReadAllTextAsync(target)));
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(target)));
        var sums = Path.Combine(caseRoot, "SHA256SUMS");
        await File.WriteAllLinesAsync(sums, (await File.ReadAllLinesAsync(sums)).Select(l => l.EndsWith($"  {caseFile}", StringComparison.Ordinal) ? $"{sha}  {caseFile}" : l));

        var forged = Path.Combine(workDir, stem + ".tar.gz");
        Assert.Equal(0, (await ProcessRunner.RunAsync("tar", ["-czf", forged, "--no-recursion", "-C", unpack, "-T", order])).ExitCode);
        var bundleSha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(forged)));
        await File.WriteAllTextAsync(forged + ".sha256", $"{bundleSha}  {Path.GetFileName(forged)}\n");
        return forged;
    }

    /// <summary>verify's one stderr line for a failed verification (exit 7).</summary>
    private static string VerifyFailure(ProcessResult result)
    {
        Assert.Equal((int)ExitCode.VerificationFailed, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dockerir: verification failed: ", line, StringComparison.Ordinal);
        return line;
    }

    [Fact]
    public async Task UntouchedBundle_Verifies_AndItsLogEndsWithTheSeal()
    {
        var verify = await ProcessRunner.DockerIRAsync(["verify", fixture.Bundle]);

        CliAssert.Success(verify);
        Assert.DoesNotContain("chain", verify.StdOut, StringComparison.Ordinal);
        Assert.Equal("bundle.seal", fixture.SealedCustody[^1].Action);
        Assert.All(fixture.SealedCustody, r => Assert.NotNull(r.Prev));
    }

    [Theory]
    [InlineData("edit", 4)]
    [InlineData("delete", 3)]
    [InlineData("reorder", 3)]
    public async Task ForgedLine_ResealedByHand_FailsVerifyNamingTheLine(string how, int brokenLine)
    {
        var forged = await ForgeAsync(how, lines => how switch
        {
            "edit" => lines.Select((l, i) => i == 2 ? l.Replace("\"operator\":\"", "\"operator\":\"mallory-", StringComparison.Ordinal) : l),
            "delete" => lines.Where((_, i) => i != 2),
            _ => [lines[0], lines[1], lines[3], lines[2], .. lines.Skip(4)],
        });

        var verify = await ProcessRunner.DockerIRAsync(["verify", forged]);

        var line = VerifyFailure(verify);
        Assert.Contains($"chain custody.jsonl line {brokenLine}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("altered", verify.StdOut, StringComparison.Ordinal); // the hand-made sums match: only the chain tells
    }

    [Fact]
    public async Task ManifestEntryTheChangeSetDoesNotReport_ResealedByHand_FailsVerify()
    {
        // A row injected into the manifest (it would show in the timeline and the report as evidence).
        var forged = await ForgeAsync("injected", "manifest.json", text =>
        {
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
            var entries = manifest["entries"]!.AsArray();
            var copy = entries[0]!.DeepClone();
            copy["path"] = "/var/www/html/planted-by-forger.php";
            // A row with no stored content, so no tar member gives it away: only the change set can.
            var after = copy["after"]!.AsObject();
            after.Remove("tar");
            after.Remove("member");
            entries.Add(copy);
            return manifest.ToJsonString();
        });

        var verify = await ProcessRunner.DockerIRAsync(["verify", forged]);

        var line = VerifyFailure(verify);
        Assert.True(line.Contains("extra manifest.json:/var/www/html/planted-by-forger.php", StringComparison.Ordinal), verify.StdOut);
    }

    [Fact]
    public async Task Show_OfAlteredStoredContent_PrintsNothingAndSaysSo()
    {
        var caseDir = Path.Combine(workDir, "altered");
        CliAssert.Success(await ProcessRunner.RunAsync("cp", ["-a", fixture.CaseDir, caseDir]));
        var tar = Path.Combine(caseDir, "artifacts", "after.tar");
        long offset;
        await using (var file = File.OpenRead(tar))
        await using (var reader = new System.Formats.Tar.TarReader(file))
        {
            System.Formats.Tar.TarEntry? entry;
            while ((entry = await reader.GetNextEntryAsync()) is not null && entry.Name.TrimStart('/') != "dropped")
            {
            }

            offset = Assert.IsType<long>(entry?.DataOffset);
        }

        await using (var file = new FileStream(tar, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = offset;
            file.WriteByte((byte)'y'); // "x\n" becomes "y\n"
        }

        var show = await ProcessRunner.DockerIRAsync(["show", caseDir, "/dropped"]);

        Assert.Equal((int)ExitCode.VerificationFailed, show.ExitCode);
        Assert.Equal("", show.StdOut);
        Assert.Contains("nothing was shown", Assert.Single(show.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal("x\n", (await ProcessRunner.DockerIRAsync(["show", fixture.CaseDir, "/dropped"])).StdOut);
    }

    [Fact]
    public async Task Views_OfAnEditedCaseOrATruncatedBundle_FailVerification_UnlessUnverified()
    {
        // A finding's severity lowered by hand in the sealed case.
        var caseDir = Path.Combine(workDir, "edited");
        CliAssert.Success(await ProcessRunner.RunAsync("cp", ["-a", fixture.CaseDir, caseDir]));
        var findings = Path.Combine(caseDir, "findings.json");
        var text = await File.ReadAllTextAsync(findings);
        Assert.Contains("\"severity\": \"medium\"", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(findings, text.Replace("\"severity\": \"medium\"", "\"severity\": \"low\"", StringComparison.Ordinal));

        // The bundle one byte short (its .sha256 still names the whole).
        var bundle = Path.Combine(workDir, "short.tar.gz");
        var bytes = await File.ReadAllBytesAsync(fixture.Bundle);
        await File.WriteAllBytesAsync(bundle, bytes[..^1]);
        await File.WriteAllTextAsync(bundle + ".sha256", (await File.ReadAllTextAsync(fixture.Bundle + ".sha256")).Replace(Path.GetFileName(fixture.Bundle), "short.tar.gz", StringComparison.Ordinal));

        foreach (var verb in new[] { "findings", "report", "timeline" })
        {
            foreach (var (target, says) in new[] { (caseDir, "findings.json does not match SHA256SUMS"), (bundle, "does not match its short.tar.gz.sha256") })
            {
                if (verb == "timeline" && target == caseDir)
                {
                    continue; // the timeline does not read findings.json
                }

                var result = await ProcessRunner.DockerIRAsync([verb, target]);
                Assert.Equal((int)ExitCode.VerificationFailed, result.ExitCode);
                Assert.Equal("", result.StdOut);
                Assert.Contains(says, Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            }

            CliAssert.Success(await ProcessRunner.DockerIRAsync([verb, fixture.Bundle]));
        }

        var shown = await ProcessRunner.DockerIRAsync(["findings", caseDir, "--unverified", "--json"]);
        CliAssert.Success(shown);
        Assert.Contains("UNVERIFIED", shown.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("\"medium\"", shown.StdOut, StringComparison.Ordinal);
        Assert.StartsWith("{\n  \"unverified\": true", shown.StdOut, StringComparison.Ordinal);

        // Marked on every line and page, in every format, so no excerpt of it passes for checked evidence.
        async Task<string[]> Lines(params string[] args)
        {
            var r = await ProcessRunner.DockerIRAsync(args, env: new Dictionary<string, string?> { ["COLUMNS"] = "240" });
            CliAssert.Success(r);
            Assert.Contains("UNVERIFIED", r.StdErr, StringComparison.Ordinal);
            return r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        var table = await Lines("findings", caseDir, "--unverified");
        Assert.All(table.Where(l => l.Contains("high", StringComparison.Ordinal) || l.StartsWith("triage:", StringComparison.Ordinal) || l.Contains("triage:", StringComparison.Ordinal)),
            l => Assert.Contains("UNVERIFIED", l, StringComparison.Ordinal));
        Assert.Contains(table, l => l.Contains("triage:", StringComparison.Ordinal));
        Assert.All(await Lines("findings", caseDir, "--unverified", "--format", "jsonl"), l => Assert.True(JsonDocument.Parse(l).RootElement.GetProperty("unverified").GetBoolean()));
        var csv = await Lines("findings", caseDir, "--unverified", "--format", "csv");
        Assert.EndsWith(",unverified", csv[0], StringComparison.Ordinal);
        Assert.All(csv[1..], l => Assert.EndsWith(",true", l, StringComparison.Ordinal));
        var sarif = JsonDocument.Parse(string.Join('\n', await Lines("findings", caseDir, "--unverified", "--format", "sarif"))).RootElement.GetProperty("runs")[0].GetProperty("results");
        Assert.All(sarif.EnumerateArray(), r => Assert.StartsWith("UNVERIFIED: ", r.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal));
        Assert.All(await Lines("timeline", caseDir, "--unverified"), l => Assert.Contains("|[UNVERIFIED] ", l, StringComparison.Ordinal));
        Assert.All(await Lines("timeline", caseDir, "--unverified", "--format", "jsonl"), l => Assert.True(JsonDocument.Parse(l).RootElement.GetProperty("unverified").GetBoolean()));
        var markdown = await Lines("report", caseDir, "--unverified");
        Assert.All(markdown.Where(l => l.StartsWith('#')), l => Assert.EndsWith("\\[UNVERIFIED\\]", l, StringComparison.Ordinal));
        var html = string.Join('\n', await Lines("report", caseDir, "--unverified", "--format", "html"));
        Assert.StartsWith("<!DOCTYPE", html.TrimStart(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<div class=\"mark\">UNVERIFIED</div>", html, StringComparison.Ordinal);
        Assert.Contains(".mark{position:fixed", html, StringComparison.Ordinal);

        // Checked, nothing is marked.
        var checkedRows = await ProcessRunner.DockerIRAsync(["findings", fixture.Bundle, "--format", "jsonl"]);
        Assert.DoesNotContain("unverified", checkedRows.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManifestWithANullItem_OrStoringInAMemberThatIsNoEvidenceTar_ResealedByHand_FailsVerificationInEveryReader()
    {
        var nullItem = await ForgeAsync("null-item", "manifest.json", text =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
            node["entries"]!.AsArray().Add(null);
            return node.ToJsonString();
        });
        var nonTar = await ForgeAsync("non-tar", "manifest.json", text =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
            var entry = node["entries"]!.AsArray().First(e => e!["path"]!.GetValue<string>() == "/dropped")!;
            entry["after"]!["tar"] = "SHA256SUMS";
            entry["after"]!["member"] = "SHA256SUMS";
            return node.ToJsonString();
        });

        foreach (var (bundle, readers) in new[]
        {
            (nullItem, new[] { "verify", "findings", "report", "timeline", "show" }),
            (nonTar, ["verify", "show"]),
        })
        {
            foreach (var verb in readers)
            {
                var result = await ProcessRunner.DockerIRAsync(verb == "show" ? [verb, bundle, "/dropped"] : [verb, bundle]);
                Assert.True(result.ExitCode == (int)ExitCode.VerificationFailed, $"{verb} {Path.GetFileName(bundle)}: exit {result.ExitCode}: {result.StdErr}");
                Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.DoesNotContain("internal error", result.StdErr, StringComparison.Ordinal);
                Assert.Equal("", verb == "show" ? result.StdOut : "");
            }
        }
    }

    [Fact]
    public async Task BundleAndVerify_ShowProgressOnAStderrTerminal_AndNeverOnStdout()
    {
        var caseDir = Path.Combine(workDir, "progress");
        CliAssert.Success(await ProcessRunner.RunAsync("cp", ["-a", fixture.CaseDir, caseDir]));
        var dll = Path.Combine(AppContext.BaseDirectory, "dockerir.dll");
        foreach (var (verb, args, says) in new[]
        {
            ("Bundle", $"bundle '{caseDir}' -o '{Path.Combine(workDir, "progress.tar.gz")}'", "Bundle: writing "),
            ("Verify", $"verify '{Path.Combine(workDir, "progress.tar.gz")}'", "Verify: checking "),
        })
        {
            // script(1) gives the command a terminal; stdout goes to a file, so only stderr is the terminal.
            var stdout = Path.Combine(workDir, verb + ".out");
            var run = await ProcessRunner.RunAsync("script", ["-qec", $"DOCKERIR_CACHE_DIR=off dotnet '{dll}' {args} > '{stdout}'", "/dev/null"]);
            Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);
            Assert.Contains(says, run.StdOut, StringComparison.Ordinal);
            var result = await File.ReadAllTextAsync(stdout);
            Assert.DoesNotContain(verb + ":", result, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b", result, StringComparison.Ordinal);
        }

        // Not a terminal: no progress anywhere.
        var plain = await ProcessRunner.DockerIRAsync(["verify", Path.Combine(workDir, "progress.tar.gz")]);
        CliAssert.Success(plain);
        Assert.DoesNotContain("Verify:", plain.StdErr + plain.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SealRemovedFromTheEnd_ResealedByHand_FailsVerify()
    {
        var forged = await ForgeAsync("unsealed", lines => lines.Take(lines.Count - 1));

        var verify = await ProcessRunner.DockerIRAsync(["verify", forged]);

        var line = VerifyFailure(verify);
        Assert.Contains("chain custody.jsonl", line, StringComparison.Ordinal);
        Assert.Contains("does not end with its bundle.seal line", verify.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LinesAfterTheSeal_KeepTheCaseCheckableWithSha256sum_AndTheNextBundleFoldsThemIn()
    {
        var caseDir = Path.Combine(workDir, "case");
        CliAssert.Success(await ProcessRunner.RunAsync("cp", ["-a", fixture.CaseDir, caseDir]));

        // The relaunch after sealing appends custody lines (kill, start, probe) and changes no sealed file.
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["redeploy", fixture.ContainerId, "--case-dir", caseDir, "--yes"]));

        Assert.True(File.Exists(Path.Combine(caseDir, CaseDirectory.CustodyAfterSealFile)));
        var sums = await ProcessRunner.RunAsync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], workingDirectory: caseDir);
        Assert.True(sums.ExitCode == 0, sums.StdOut + sums.StdErr);
        var verifyDir = await ProcessRunner.DockerIRAsync(["verify", caseDir]);
        CliAssert.Success(verifyDir);
        Assert.Contains("appended after sealing (custody-after-seal.jsonl), chained to the seal", verifyDir.StdOut, StringComparison.Ordinal);

        CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", caseDir]));
        // The sealed log now holds the relaunch's lines between the two seals, and ends with the second.
        var actions = CustodyLog.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, CaseDirectory.CustodyFile)), "custody").Select(r => r.Action).ToList();
        Assert.Equal("bundle.seal", actions[^1]);
        var firstSeal = actions.IndexOf("bundle.seal");
        Assert.Contains("container.kill", actions[firstSeal..]);
        Assert.Equal(2, actions.Count(a => a == "bundle.seal"));
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["verify", caseDir + ".tar.gz"]));
    }

    [Fact]
    public async Task SignedBundle_SshKeygenAndVerifyAcceptIt_AnAlteredByteOrAnotherKeyIsRefused()
    {
        var caseDir = Path.Combine(workDir, "signed");
        CliAssert.Success(await ProcessRunner.RunAsync("cp", ["-a", fixture.CaseDir, caseDir]));
        var key = Path.Combine(workDir, "responder");
        var other = Path.Combine(workDir, "other");
        foreach (var k in new[] { key, other })
        {
            CliAssert.Success(await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-C", "responder@example", "-f", k]));
        }

        var allowed = Path.Combine(workDir, "allowed_signers");
        await File.WriteAllTextAsync(allowed, $"responder@example {(await File.ReadAllTextAsync(key + ".pub")).Trim()}\n");
        var bundle = Path.Combine(workDir, "signed.tar.gz");

        // The key from the environment, as DOCKERIR_SIGNING_KEY gives it.
        var sealedRun = await ProcessRunner.DockerIRAsync(["bundle", caseDir, "-o", bundle, "--json"], new Dictionary<string, string?> { ["DOCKERIR_SIGNING_KEY"] = key });
        CliAssert.Success(sealedRun);
        var fingerprint = (await ProcessRunner.RunAsync("ssh-keygen", ["-l", "-f", key + ".pub"])).StdOut.Split(' ')[1];
        Assert.Contains(fingerprint, sealedRun.StdOut, StringComparison.Ordinal);
        Assert.Contains(CustodyLog.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, CaseDirectory.CustodyAfterSealFile)), "after"),
            r => r.Action == "bundle.signed" && r.Detail!.Contains(fingerprint, StringComparison.Ordinal));

        var sshKeygen = await ProcessRunner.RunAsync("bash", ["-c", "ssh-keygen -Y verify -f \"$0\" -I responder@example -n dockerir-bundle -s \"$1.sig\" < \"$1\"", allowed, bundle]);
        Assert.True(sshKeygen.ExitCode == 0, sshKeygen.StdOut + sshKeygen.StdErr);
        var ours = await ProcessRunner.DockerIRAsync(["verify", bundle, "--signer", allowed, "--identity", "responder@example"]);
        CliAssert.Success(ours);
        Assert.Contains($"good signature for responder@example by {fingerprint}", ours.StdOut, StringComparison.Ordinal);

        // Another key's allowed_signers: refused by both.
        var otherAllowed = Path.Combine(workDir, "other_signers");
        await File.WriteAllTextAsync(otherAllowed, $"responder@example {(await File.ReadAllTextAsync(other + ".pub")).Trim()}\n");
        Assert.Equal((int)ExitCode.VerificationFailed, (await ProcessRunner.DockerIRAsync(["verify", bundle, "--signer", otherAllowed, "--identity", "responder@example"])).ExitCode);
        Assert.NotEqual(0, (await ProcessRunner.RunAsync("bash", ["-c", "ssh-keygen -Y verify -f \"$0\" -I responder@example -n dockerir-bundle -s \"$1.sig\" < \"$1\"", otherAllowed, bundle])).ExitCode);

        // One altered byte of the bundle: refused by both.
        await using (var file = new FileStream(bundle, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = file.Length / 2;
            var b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0x01));
        }

        Assert.NotEqual(0, (await ProcessRunner.RunAsync("bash", ["-c", "ssh-keygen -Y verify -f \"$0\" -I responder@example -n dockerir-bundle -s \"$1.sig\" < \"$1\"", allowed, bundle])).ExitCode);
        var altered = await ProcessRunner.DockerIRAsync(["verify", bundle, "--signer", allowed, "--identity", "responder@example", "--json"]);
        Assert.Equal((int)ExitCode.VerificationFailed, altered.ExitCode);
        Assert.Contains("\"signature\"", altered.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedThroughSshAgent_ByItsPublicKeyFile_EcdsaAndEd25519_SshKeygenAcceptsBoth()
    {
        var socket = Path.Combine(workDir, "agent.sock");
        var agent = await ProcessRunner.RunAsync("ssh-agent", ["-a", socket, "-s"]);
        Assert.True(agent.ExitCode == 0, agent.StdErr);
        var agentPid = System.Text.RegularExpressions.Regex.Match(agent.StdOut, @"SSH_AGENT_PID=(\d+)").Groups[1].Value;
        var env = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = socket };
        try
        {
            foreach (var type in new[] { "ecdsa", "ed25519" })
            {
                var key = Path.Combine(workDir, "agent-" + type);
                CliAssert.Success(await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "agent@example", "-f", key]));
                var caseDir = Path.Combine(workDir, "agent-case-" + type);
                CliAssert.Success(await ProcessRunner.RunAsync("cp", ["-a", fixture.CaseDir, caseDir]));
                var bundle = caseDir + ".tar.gz";

                // Not yet in the agent: one usage line saying so; nothing sealed under that name.
                var missing = await ProcessRunner.DockerIRAsync(["bundle", caseDir, "--sign", key + ".pub"], env);
                Assert.Contains("does not hold the key", CliAssert.OneLineError(missing, ExitCode.Usage), StringComparison.Ordinal);
                Assert.False(File.Exists(bundle));

                CliAssert.Success(await ProcessRunner.RunAsync("ssh-add", [key], env));
                CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", caseDir, "--sign", key + ".pub"], env));
                var allowed = Path.Combine(workDir, "agent_signers_" + type);
                await File.WriteAllTextAsync(allowed, $"agent@example {(await File.ReadAllTextAsync(key + ".pub")).Trim()}\n");
                var sshKeygen = await ProcessRunner.RunAsync("bash", ["-c", "ssh-keygen -Y verify -f \"$0\" -I agent@example -n dockerir-bundle -s \"$1.sig\" < \"$1\"", allowed, bundle]);
                Assert.True(sshKeygen.ExitCode == 0, sshKeygen.StdOut + sshKeygen.StdErr);
                Assert.Contains(CustodyLog.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, CaseDirectory.CustodyAfterSealFile)), "after"),
                    r => r.Action == "bundle.signed" && r.Detail!.Contains("through ssh-agent", StringComparison.Ordinal));

                var ours = await ProcessRunner.DockerIRAsync(["verify", bundle, "--signer", allowed, "--identity", "agent@example", "--json"]);
                if (type == "ecdsa")
                {
                    CliAssert.Success(ours);
                }
                else
                {
                    // Ed25519: signed by the agent and checked by ssh-keygen; dockerir says it cannot check it.
                    Assert.Equal((int)ExitCode.VerificationFailed, ours.ExitCode);
                    Assert.Contains("check it with ssh-keygen -Y verify", ours.StdOut, StringComparison.Ordinal);
                }
            }

            // No agent at all: the public key file cannot sign, and says why.
            var noAgent = await ProcessRunner.DockerIRAsync(["bundle", Path.Combine(workDir, "agent-case-ecdsa"), "-o", Path.Combine(workDir, "x.tar.gz"), "--sign", Path.Combine(workDir, "agent-ecdsa.pub")],
                new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = "" });
            Assert.Contains("SSH_AUTH_SOCK is not set", CliAssert.OneLineError(noAgent, ExitCode.Usage), StringComparison.Ordinal);
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", [agentPid]);
        }
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);

    /// <summary>One busybox container with a dropped file, snapshotted, extracted and bundled once for the class.</summary>
    public sealed class Fixture : EngineFixture
    {
        public string WorkDir { get; } = Directory.CreateTempSubdirectory("dockerir-chain-").FullName;

        public string CaseDir => Path.Combine(WorkDir, "case");

        public string Bundle => CaseDir + ".tar.gz";

        public IReadOnlyList<CustodyRecord> SealedCustody { get; private set; } = [];

        public string ContainerId { get; private set; } = "";

        protected override async Task SetUpAsync()
        {
            var ct = CancellationToken.None;
            await using var tar = await Core.Demo.RootfsBuilder.Busybox().ToTarAsync(ct);
            var image = await Engine.ImportImageAsync(tar, new Core.Engine.ImportRequest("dockerir-test/chain", Resources.RunId,
                Resources.Labels.Select(kv => $"LABEL {kv.Key}=\"{kv.Value}\"").ToList()), ct);
            var id = await Engine.CreateContainerAsync(new Core.Engine.ContainerSpec { Image = image, Cmd = ["/bin/sh", "-c", "echo x > /dropped; exec sleep 3600"], Labels = Resources.Labels },
                Resources.Name("chain"), ct);
            await Engine.StartAsync(id, ct);
            ContainerId = id;
            for (var i = 0; !(await Engine.GetChangesAsync(id, ct)).Any(c => c.Path == "/dropped"); i++)
            {
                Assert.True(i < 100, "the container never wrote /dropped");
                await Task.Delay(100, ct);
            }

            CliAssert.Success(await ProcessRunner.DockerIRAsync(["snapshot", id, "--case-dir", CaseDir]));
            CliAssert.Success(await ProcessRunner.DockerIRAsync(["extract", CaseDir]));
            CliAssert.Success(await ProcessRunner.DockerIRAsync(["bundle", CaseDir]));
            SealedCustody = CustodyLog.Parse(await File.ReadAllTextAsync(Path.Combine(CaseDir, CaseDirectory.CustodyFile)), "custody");
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(WorkDir, recursive: true);
        }
    }
}
