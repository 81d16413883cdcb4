using DockerIR.Core.Engine;

namespace DockerIR.Docker.Tests;

public sealed class DockerEndpointTests
{
    private static DockerEndpoint FromEnv(params (string Key, string Value)[] vars) =>
        DockerEndpoint.FromEnvironment(k => vars.FirstOrDefault(v => v.Key == k).Value);

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
