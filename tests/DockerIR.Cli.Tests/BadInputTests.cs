using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>Bad input gets one clear line on stderr and its documented exit code, never a stack trace.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("diff")]
    [InlineData("snapshot")]
    public async Task UnknownContainer_IsNotFound(string verb)
    {
        var result = await ProcessRunner.DockerIRAsync([verb, "dockerir-no-such-container-4711"]);

        var line = CliAssert.OneLineError(result, ExitCode.NotFound);
        Assert.Contains("no such container: dockerir-no-such-container-4711", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableEngine_IsEngineUnreachableNamingTheEndpoint()
    {
        var result = await ProcessRunner.DockerIRAsync(["diff", "web"], new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent.sock" });

        var line = CliAssert.OneLineError(result, ExitCode.EngineUnreachable);
        Assert.Contains("unix:///nonexistent.sock", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerContext_WithoutDockerHost_IsTheEngineAsked()
    {
        // A context "local" naming the engine the suite uses, another naming a socket that is not there.
        var config = Directory.CreateTempSubdirectory("dockerir-contexts-").FullName;
        var engine = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock";
        foreach (var (name, endpoint) in new[] { ("local", engine), ("gone", "unix:///nonexistent-context.sock") })
        {
            var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));
            Directory.CreateDirectory(Path.Combine(config, "contexts", "meta", key));
            await File.WriteAllTextAsync(Path.Combine(config, "contexts", "meta", key, "meta.json"),
                new System.Text.Json.Nodes.JsonObject
                {
                    ["Name"] = name,
                    ["Endpoints"] = new System.Text.Json.Nodes.JsonObject { ["docker"] = new System.Text.Json.Nodes.JsonObject { ["Host"] = endpoint, ["SkipTLSVerify"] = false } },
                }.ToJsonString());
        }

        Dictionary<string, string?> Env(string context) => new() { ["DOCKER_HOST"] = null, ["DOCKER_CONFIG"] = config, ["DOCKER_CONTEXT"] = context };
        var reached = await ProcessRunner.DockerIRAsync(["diff", "dockerir-no-such-container-4711"], Env("local"));
        var unreachable = await ProcessRunner.DockerIRAsync(["diff", "web"], Env("gone"));

        Assert.Contains("no such container", CliAssert.OneLineError(reached, ExitCode.NotFound), StringComparison.Ordinal);
        Assert.Contains("unix:///nonexistent-context.sock", CliAssert.OneLineError(unreachable, ExitCode.EngineUnreachable), StringComparison.Ordinal);
        Directory.Delete(config, recursive: true);
    }

    [Theory]
    [InlineData("tcp//no-colon")]
    [InlineData("tcp://host:notaport")]
    [InlineData("ssh://user@host")]
    public async Task MalformedDockerHost_IsAUsageError(string value)
    {
        var result = await ProcessRunner.DockerIRAsync(["snapshot", "web"], new Dictionary<string, string?> { ["DOCKER_HOST"] = value });

        var line = CliAssert.OneLineError(result, ExitCode.Usage);
        Assert.Contains("DOCKER_HOST", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsVerifyWithoutCertificates_IsAUsageErrorNamingTheFile()
    {
        var empty = Directory.CreateTempSubdirectory("dockerir-nocerts-").FullName;

        var result = await ProcessRunner.DockerIRAsync(["diff", "web"], new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = "tcp://127.0.0.1:2376",
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = empty,
        });

        var line = CliAssert.OneLineError(result, ExitCode.Usage);
        Assert.Contains("ca.pem", line, StringComparison.Ordinal);
        Directory.Delete(empty);
    }

    [Fact]
    public async Task OptionOutOfRange_IsAUsageError()
    {
        var result = await ProcessRunner.DockerIRAsync(["snapshot", "web", "--log-tail", "0"]);

        Assert.Equal((int)ExitCode.Usage, result.ExitCode);
        Assert.Contains("--log-tail", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingArgument_IsAUsageError()
    {
        var result = await ProcessRunner.DockerIRAsync(["diff"]);

        Assert.Equal((int)ExitCode.Usage, result.ExitCode);
    }
}
