using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DockerIR.Core.Engine;

namespace DockerIR.Docker;

/// <summary>Builds the HTTP message handler for an endpoint: a unix socket connector, or TCP with the docker CLI's TLS files.</summary>
internal static class DockerHttp
{
    public static HttpMessageHandler CreateHandler(DockerClientOptions options)
    {
        var endpoint = options.Endpoint;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };

        if (endpoint.SocketPath is { } socketPath)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        else if (endpoint.Tls is { } tls)
        {
            handler.SslOptions = CreateSslOptions(tls, endpoint.Host!);
        }

        return handler;
    }

    private static SslClientAuthenticationOptions CreateSslOptions(DockerTls tls, string host)
    {
        var options = new SslClientAuthenticationOptions { TargetHost = host };
        if (tls.CertPath is null)
        {
            return options;
        }

        var ca = Path.Combine(tls.CertPath, "ca.pem");
        var cert = Path.Combine(tls.CertPath, "cert.pem");
        var key = Path.Combine(tls.CertPath, "key.pem");
        foreach (var file in new[] { ca, cert, key })
        {
            if (!File.Exists(file))
            {
                throw new EngineConfigurationException(
                    $"TLS is on (DOCKER_TLS_VERIFY) but {file} is missing; set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem");
            }
        }

        X509Certificate2 client;
        X509Certificate2Collection authorities = [];
        try
        {
            client = X509Certificate2.CreateFromPemFile(cert, key);
            authorities.ImportFromPemFile(ca);
        }
        catch (CryptographicException e)
        {
            throw new EngineConfigurationException($"cannot read the TLS files in {tls.CertPath}: {e.Message}", e);
        }

        if (authorities.Count == 0)
        {
            throw new EngineConfigurationException($"{ca} holds no certificate");
        }

        options.ClientCertificates = [client];
        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            // Trust exactly the engine's CA from DOCKER_CERT_PATH, not the system store.
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            // A certificate the CA issued for clients only (extended key usage clientAuth) must not serve as the engine.
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
        return options;
    }
}
