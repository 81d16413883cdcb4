using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Docker.Tests;

/// <summary>
/// tcp:// with TLS against the real engine: a TLS terminator on 127.0.0.1 (our own CA, a server certificate
/// and a required client certificate, as dockerd --tlsverify does) forwards to the engine's unix socket.
/// </summary>
public sealed class TlsEngineTests : IDisposable
{
    private readonly string certDir = Directory.CreateTempSubdirectory("dockerir-tls-").FullName;
    private readonly CancellationTokenSource stop = new();

    private static X509Certificate2 Issue(string subject, X509Certificate2? issuer, RSA key, bool ca, bool server, bool clientUsageOnly = false)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [server && !clientUsageOnly ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        }

        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = DateTimeOffset.UtcNow.AddHours(ca ? 2 : 1);
        var cert = issuer is null
            ? request.CreateSelfSigned(notBefore, notAfter)
            : request.Create(issuer, notBefore, notAfter, RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Starts the terminator; returns its port. Clients must present a certificate issued by <paramref name="clientCa"/>.</summary>
    private int StartTerminator(X509Certificate2 serverCert, X509Certificate2 clientCa)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _ = Task.Run(async () =>
        {
            using var registration = stop.Token.Register(listener.Stop);
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (Exception)
                {
                    return;
                }

                _ = Task.Run(() => ForwardAsync(client, serverCert, clientCa));
            }
        });
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task ForwardAsync(TcpClient client, X509Certificate2 serverCert, X509Certificate2 clientCa)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream(), false, (_, cert, _, _) =>
                {
                    if (cert is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(clientCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
                });
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = serverCert,
                    ClientCertificateRequired = true,
                }, stop.Token);
                using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await engine.ConnectAsync(new UnixDomainSocketEndPoint(DockerEndpoint.DefaultUnixSocket), stop.Token);
                await using var engineStream = new NetworkStream(engine, ownsSocket: false);
                var up = tls.CopyToAsync(engineStream, stop.Token);
                var down = engineStream.CopyToAsync(tls, stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    private async Task WritePemAsync(string name, string pem) => await File.WriteAllTextAsync(Path.Combine(certDir, name), pem);

    private async Task<(X509Certificate2 Ca, X509Certificate2 Server)> WriteCertsAsync()
    {
        using var caKey = RSA.Create(2048);
        using var serverKey = RSA.Create(2048);
        using var clientKey = RSA.Create(2048);
        var ca = Issue("CN=dockerir-test-ca", null, caKey, ca: true, server: false);
        var server = Issue("CN=127.0.0.1", ca, serverKey, ca: false, server: true);
        var client = Issue("CN=dockerir-client", ca, clientKey, ca: false, server: false);
        await WritePemAsync("ca.pem", ca.ExportCertificatePem());
        await WritePemAsync("cert.pem", client.ExportCertificatePem());
        await WritePemAsync("key.pem", clientKey.ExportPkcs8PrivateKeyPem());
        return (ca, server);
    }

    [Fact]
    public async Task TcpWithTlsVerify_ThroughATlsTerminator_ReachesTheRealEngine()
    {
        var (ca, server) = await WriteCertsAsync();
        var port = StartTerminator(server, ca);
        var endpoint = DockerEndpoint.FromEnvironment(k => k switch
        {
            "DOCKER_HOST" => $"tcp://127.0.0.1:{port}",
            "DOCKER_TLS_VERIFY" => "1",
            "DOCKER_CERT_PATH" => certDir,
            _ => null,
        });
        using var engine = DockerEngineFactory.Create(new DockerClientOptions(endpoint));

        var version = await engine.GetVersionAsync(CancellationToken.None);
        var missing = await Assert.ThrowsAsync<ContainerNotFoundException>(() => engine.InspectContainerAsync("dockerir-no-such-container", CancellationToken.None));

        Assert.True(Version.Parse(version.NegotiatedApiVersion) >= new Version(1, 41));
        Assert.Equal("dockerir-no-such-container", missing.Reference);
    }

    [Fact]
    public async Task TcpWithTlsVerify_ServerFromAnotherCa_IsRefused()
    {
        await WriteCertsAsync();
        using var rogueKey = RSA.Create(2048);
        using var rogueServerKey = RSA.Create(2048);
        var rogueCa = Issue("CN=rogue-ca", null, rogueKey, ca: true, server: false);
        var rogueServer = Issue("CN=127.0.0.1", rogueCa, rogueServerKey, ca: false, server: true);
        var port = StartTerminator(rogueServer, rogueCa);
        using var engine = DockerEngineFactory.Create(new DockerClientOptions(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}", new DockerTls(certDir))));

        var e = await Assert.ThrowsAsync<EngineUnreachableException>(() => engine.GetVersionAsync(CancellationToken.None));

        Assert.Contains("TLS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpWithTlsVerify_ServerCertificateForClientsOnly_IsRefused()
    {
        // Issued by the right CA for the right address, but with extended key usage clientAuth only: a client
        // certificate (any other client's) must not be able to pose as the engine.
        var (ca, _) = await WriteCertsAsync();
        using var posingKey = RSA.Create(2048);
        Assert.True(ca.HasPrivateKey);
        var posing = Issue("CN=127.0.0.1", ca, posingKey, ca: false, server: true, clientUsageOnly: true);
        var port = StartTerminator(posing, ca);
        using var engine = DockerEngineFactory.Create(new DockerClientOptions(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}", new DockerTls(certDir))));

        var e = await Assert.ThrowsAsync<EngineUnreachableException>(() => engine.GetVersionAsync(CancellationToken.None));

        Assert.Contains("TLS", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
        Directory.Delete(certDir, recursive: true);
    }
}
