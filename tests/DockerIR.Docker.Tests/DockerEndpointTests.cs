using DockerIR.Core.Engine;

namespace DockerIR.Docker.Tests;

public sealed class DockerEndpointTests : IDisposable
{
    private readonly string config = Directory.CreateTempSubdirectory("dockerir-docker-config-").FullName;

    /// <summary>The endpoint the given variables select; DOCKER_CONFIG is an empty folder unless given, so the user's own contexts never count.</summary>
    private DockerEndpoint FromEnv(params (string Key, string Value)[] vars) =>
        DockerEndpoint.FromEnvironment(k => vars.FirstOrDefault(v => v.Key == k).Value ?? (k == "DOCKER_CONFIG" ? config : null));

    public void Dispose() => Directory.Delete(config, recursive: true);

    /// <summary>A context as `docker context create NAME --docker host=HOST[,ca=…]` stores it.</summary>
    private string Context(string name, string host, bool tls = false, bool skipVerify = false)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));
        var meta = Directory.CreateDirectory(Path.Combine(config, "contexts", "meta", key)).FullName;
        File.WriteAllText(Path.Combine(meta, "meta.json"),
            new System.Text.Json.Nodes.JsonObject
            {
                ["Name"] = name,
                ["Metadata"] = new System.Text.Json.Nodes.JsonObject(),
                ["Endpoints"] = new System.Text.Json.Nodes.JsonObject { ["docker"] = new System.Text.Json.Nodes.JsonObject { ["Host"] = host, ["SkipTLSVerify"] = skipVerify } },
            }.ToJsonString());
        var certs = Path.Combine(config, "contexts", "tls", key, "docker");
        if (tls)
        {
            Directory.CreateDirectory(certs);
        }

        return certs;
    }

    [Fact]
    public void FromEnvironment_DockerContext_SelectsThatContextsEngineAndTlsFiles()
    {
        var certs = Context("prod", "tcp://10.0.0.9:2376", tls: true);

        var endpoint = FromEnv(("DOCKER_CONTEXT", "prod"));

        Assert.Equal(("10.0.0.9", 2376, certs), (endpoint.Host, endpoint.Port, endpoint.Tls?.CertPath));
    }

    [Fact]
    public void FromEnvironment_CurrentContextInConfigJson_IsUsed_UnlessDockerHostIsSet()
    {
        Context("lab", "unix:///run/lab/docker.sock");
        File.WriteAllText(Path.Combine(config, "config.json"), """{"auths":{},"currentContext":"lab"}""");

        Assert.Equal("/run/lab/docker.sock", FromEnv().SocketPath);
        Assert.Equal("/run/other.sock", FromEnv(("DOCKER_HOST", "unix:///run/other.sock")).SocketPath);
        Assert.Equal("/var/run/docker.sock", FromEnv(("DOCKER_CONTEXT", "default")).SocketPath);
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("skips", "verifies it")]
    [InlineData("ssh", "not supported")]
    public void FromEnvironment_ABadContext_IsAConfigurationErrorNamingIt(string name, string expected)
    {
        Context("skips", "tcp://10.0.0.9:2376", skipVerify: true);
        Context("ssh", "ssh://admin@10.0.0.9");

        var e = Assert.Throws<EngineConfigurationException>(() => FromEnv(("DOCKER_CONTEXT", name)));

        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_AConfigJsonThatIsNotJson_IsAConfigurationErrorNamingTheFile()
    {
        File.WriteAllText(Path.Combine(config, "config.json"), "{ not json");

        var e = Assert.Throws<EngineConfigurationException>(() => FromEnv());

        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_NoDockerHost_UsesTheDefaultSocket()
    {
        var endpoint = FromEnv();

        Assert.Equal("/var/run/docker.sock", endpoint.SocketPath);
        Assert.Equal("unix:///var/run/docker.sock", endpoint.Display);
    }

    [Fact]
    public void FromEnvironment_TcpWithTlsVerify_UsesTlsOnTheGivenPort()
    {
        var endpoint = FromEnv(("DOCKER_HOST", "tcp://10.0.0.5:2376"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs"));

        Assert.Equal("10.0.0.5", endpoint.Host);
        Assert.Equal(2376, endpoint.Port);
        Assert.Equal("/certs", endpoint.Tls?.CertPath);
    }

    [Fact]
    public void Parse_TcpWithoutPort_DefaultsTo2375()
    {
        Assert.Equal(2375, DockerEndpoint.Parse("tcp://engine.local").Port);
    }

    [Fact]
    public void Parse_Ipv6_KeepsTheBrackets()
    {
        var endpoint = DockerEndpoint.Parse("tcp://[::1]:2375");

        Assert.Equal("::1", endpoint.Host);
        Assert.Equal("tcp://[::1]:2375", endpoint.Display);
    }

    [Theory]
    [InlineData("tcp//missing-colon")]
    [InlineData("tcp://host:99999")]
    [InlineData("tcp://host:abc")]
    [InlineData("tcp://:2375")]
    [InlineData("unix://relative.sock")]
    [InlineData("ftp://host")]
    [InlineData("ssh://user@host")]
    [InlineData("tcp://host:2375/path")]
    [InlineData("/var/run/docker.sock")]
    public void Parse_Malformed_IsAConfigurationErrorNamingTheValue(string value)
    {
        var e = Assert.Throws<EngineConfigurationException>(() => DockerEndpoint.Parse(value));

        Assert.Contains(value, e.Message, StringComparison.Ordinal);
        Assert.Equal(Core.FailureKind.Usage, e.Kind);
    }

    [Fact]
    public async Task TlsVerify_MissingCertificateFiles_NamesTheMissingFile()
    {
        var dir = Directory.CreateTempSubdirectory("dockerir-tls-").FullName;
        var options = new DockerClientOptions(DockerEndpoint.Parse("tcp://127.0.0.1:1", new DockerTls(dir)));

        var e = await Assert.ThrowsAsync<EngineConfigurationException>(async () =>
        {
            using var engine = DockerEngineFactory.Create(options);
            await engine.GetVersionAsync(CancellationToken.None);
        });

        Assert.Contains("ca.pem", e.Message, StringComparison.Ordinal);
        Directory.Delete(dir);
    }

    [Fact]
    public async Task TlsVerify_GarbageCertificateFiles_IsAConfigurationError()
    {
        var dir = Directory.CreateTempSubdirectory("dockerir-tls-").FullName;
        foreach (var f in new[] { "ca.pem", "cert.pem", "key.pem" })
        {
            await File.WriteAllTextAsync(Path.Combine(dir, f), "not a pem");
        }

        var options = new DockerClientOptions(DockerEndpoint.Parse("tcp://127.0.0.1:1", new DockerTls(dir)));

        await Assert.ThrowsAsync<EngineConfigurationException>(async () =>
        {
            using var engine = DockerEngineFactory.Create(options);
            await engine.GetVersionAsync(CancellationToken.None);
        });
        Directory.Delete(dir, recursive: true);
    }
}
