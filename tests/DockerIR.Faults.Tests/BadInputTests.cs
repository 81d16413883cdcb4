using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using DockerIR.Core.Demo;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Faults.Tests;

/// <summary>
/// The bad inputs the CLI suite does not already cover (unknown container, unreachable engine, malformed
/// DOCKER_HOST, missing TLS files, out-of-range options are in DockerIR.Cli.Tests/BadInputTests): each gets one
/// line and its documented exit code through the built CLI.
/// </summary>
public sealed class BadInputTests(DemoAppFixture demo, ITestOutputHelper output) : IClassFixture<DemoAppFixture>, IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("dockerir-faults-input-").FullName;

    [Fact]
    public async Task AmbiguousIdPrefix_IsAUsageError()
    {
        // Created, never started: enough containers that two share a first hex digit (17 must, by pigeonhole).
        var byFirst = new Dictionary<char, List<string>>();
        for (var i = 0; i < 17 && !byFirst.Values.Any(l => l.Count > 1); i++)
        {
            var id = await demo.Engine.CreateContainerAsync(DemoWebApp.Spec(demo.ImageReference, demo.Resources.Labels), demo.Resources.Name($"amb{i}"), CancellationToken.None);
            (byFirst.TryGetValue(id[0], out var l) ? l : byFirst[id[0]] = []).Add(id);
        }

        var shared = byFirst.Values.First(l => l.Count > 1);
        var prefix = CommonPrefix(shared[0], shared[1]);

        var result = await ProcessRunner.DockerIRAsync(["snapshot", prefix, "--case-dir", Path.Combine(work, "amb")]);

        var line = FaultKit.OneLineFailure(result, 1);
        Assert.Contains(prefix, line, StringComparison.Ordinal);
        Assert.Contains("ambiguous", line, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(Path.Combine(work, "amb")), "nothing is written for an ambiguous name");
        FaultKit.Say(output, $"bad input: ambiguous prefix {prefix}: exit 1, '{line}'");
    }

    [Fact]
    public async Task SocketPermissionDenied_IsEngineUnreachable()
    {
        // As an unprivileged user, the engine's root-owned socket refuses the connection.
        var result = await ProcessRunner.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", Path.Combine(AppContext.BaseDirectory, "dockerir.dll"), "diff", "web"],
            new Dictionary<string, string?> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp", ["DOCKER_HOST"] = "unix:///var/run/docker.sock" }, workingDirectory: "/tmp");

        var line = FaultKit.OneLineFailure(result, 2);
        Assert.Contains("permission denied", line, StringComparison.OrdinalIgnoreCase);
        FaultKit.Say(output, $"bad input: socket permission denied: exit 2, '{line}'");
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    public async Task SocketNotSpeakingTheDockerApi_IsEngineUnreachable(string answer)
    {
        var path = Path.Combine(work, $"not-docker-{answer.Length}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(8);
        using var stop = new CancellationTokenSource();
        var serve = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptAsync(stop.Token);
                await client.ReceiveAsync(new byte[4096], SocketFlags.None, stop.Token);
                await client.SendAsync(Encoding.ASCII.GetBytes(answer), SocketFlags.None, stop.Token);
                client.Shutdown(SocketShutdown.Both);
            }
        });

        var result = await ProcessRunner.DockerIRAsync(["diff", "web"], new Dictionary<string, string?> { ["DOCKER_HOST"] = $"unix://{path}" });
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serve);

        var line = FaultKit.OneLineFailure(result, 2);
        Assert.Contains(path, line, StringComparison.Ordinal);
        FaultKit.Say(output, $"bad input: a socket that is not the Docker API: exit 2, '{line}'");
    }

    [Fact]
    public async Task TlsFilesThatAreNotCertificates_IsAUsageErrorNamingTheFile()
    {
        var certs = Directory.CreateDirectory(Path.Combine(work, "certs")).FullName;
        foreach (var name in new[] { "ca.pem", "cert.pem", "key.pem" })
        {
            await File.WriteAllTextAsync(Path.Combine(certs, name), "not a certificate\n");
        }

        var result = await ProcessRunner.DockerIRAsync(["diff", "web"], new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = "tcp://127.0.0.1:2376",
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = certs,
        });

        var line = FaultKit.OneLineFailure(result, 1);
        Assert.Contains(certs, line, StringComparison.Ordinal);
        FaultKit.Say(output, $"bad input: TLS files that are not certificates: exit 1, '{line}'");
    }

    [Fact]
    public async Task CaseFromANewerFormatOrCorrupted_IsRefusedWithItsCode()
    {
        var app = await demo.StartBreachedAsync("fmt");
        var caseDir = Path.Combine(work, "fmt");
        FaultKit.Success(await ProcessRunner.DockerIRAsync(["snapshot", app.ContainerName, "--case-dir", caseDir]), "snapshot");
        var caseFile = Path.Combine(caseDir, "case.json");
        var original = await File.ReadAllTextAsync(caseFile);

        var json = JsonNode.Parse(original)!;
        json["formatVersion"] = 99;
        await File.WriteAllTextAsync(caseFile, json.ToJsonString());
        var newer = FaultKit.OneLineFailure(await ProcessRunner.DockerIRAsync(["extract", caseDir]), 1);
        Assert.Contains("upgrade", newer, StringComparison.Ordinal);

        await File.WriteAllTextAsync(caseFile, original[..(original.Length / 2)]);
        var corrupted = FaultKit.OneLineFailure(await ProcessRunner.DockerIRAsync(["extract", caseDir]), 7);
        Assert.Contains("case.json", corrupted, StringComparison.Ordinal);
        FaultKit.Say(output, $"bad input: case format 99: exit 1, '{newer}'; truncated case.json: exit 7, '{corrupted}'");
    }

    [Fact]
    public async Task TruncatedBundle_FailsVerificationNamingIt()
    {
        var app = await demo.StartBreachedAsync("trunc");
        var outDir = Path.Combine(work, "trunc");
        FaultKit.Success(await ProcessRunner.DockerIRAsync(["respond", app.ContainerName, "--out-dir", outDir, "--no-redeploy"]), "respond");
        var bundle = Directory.GetFiles(outDir, "*.tar.gz").Single();
        await using (var stream = new FileStream(bundle, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length / 2);
        }

        var line = FaultKit.OneLineFailure(await ProcessRunner.DockerIRAsync(["verify", bundle]), 7);
        Assert.Contains(Path.GetFileName(bundle), line, StringComparison.Ordinal);
        var show = FaultKit.OneLineFailure(await ProcessRunner.DockerIRAsync(["show", bundle, "/var/www/html/shell.php"]), 7);
        FaultKit.Say(output, $"bad input: truncated bundle: verify exit 7, '{line}'; show exit 7, '{show}'");
    }

    [Theory]
    [InlineData("targets:\n  containers: [x]\nparallel: five\nsteps:\n  - step: snapshot\n", "parallel must be a whole number")]
    [InlineData("targets:\n  containers: [x]\nsteps:\n  - step: snapshot\n    with:\n      unpause: [1, 2]\n", "unpause '1,2' must be true or false")]
    [InlineData("targets:\n  containers: [x]\nstpes:\n  - step: snapshot\n", "unknown key 'stpes'")]
    [InlineData("vars:\n  a: ${b}\n  b: ${a}\ntargets:\n  containers: [\"${a}\"]\nsteps:\n  - step: snapshot\n", "refers to itself")]
    [InlineData("steps:\n  - step: snapshot\n", "targets")]
    public async Task BadPlaybook_IsAUsageErrorWithItsPlace(string yaml, string expected)
    {
        var file = Path.Combine(work, $"bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);

        var line = FaultKit.OneLineFailure(await ProcessRunner.DockerIRAsync(["playbook", "validate", file]), 1);

        Assert.Contains(file, line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaybookTargetMissingOnTheEngine_IsNotFoundAndChangesNothing()
    {
        var file = Path.Combine(work, "missing-target.yaml");
        await File.WriteAllTextAsync(file, "targets:\n  containers: [dockerir-no-such-container-4711]\nsteps:\n  - step: snapshot\n");

        var result = await ProcessRunner.DockerIRAsync(["playbook", "run", file, "--out-dir", Path.Combine(work, "missing")]);

        var line = FaultKit.OneLineFailure(result, 3);
        Assert.Contains("dockerir-no-such-container-4711", line, StringComparison.Ordinal);
        Assert.Empty(FaultKit.Cases(Path.Combine(work, "missing")));
    }

    private static string CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return a[..n];
    }

    public void Dispose() => Directory.Delete(work, recursive: true);
}
