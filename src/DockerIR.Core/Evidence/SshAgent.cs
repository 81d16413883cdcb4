using System.Buffers.Binary;
using System.Net.Sockets;

namespace DockerIR.Core.Evidence;

/// <summary>
/// Signs through ssh-agent (the socket SSH_AUTH_SOCK names), so a key that never leaves the agent (a passphrase-held
/// key, a hardware token, an Ed25519 key .NET cannot sign with) signs the bundle. The key is named by its public key
/// file, as <c>ssh-keygen -Y sign -f KEY.pub</c> takes it. Only the agent protocol's list and sign requests are
/// sent (draft-miller-ssh-agent); answers are bounded and checked.
/// </summary>
internal static class SshAgent
{
    public const string SocketVariable = "SSH_AUTH_SOCK";

    private const byte Failure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const uint RsaSha2_512 = 4;
    private const int MaxAnswer = 256 << 10;

    /// <summary>A signing key for the public key in <paramref name="path"/>, which the agent must hold.</summary>
    public static SshSignature.SigningKey KeyFor(string path, byte[] publicBlob, string keyType)
    {
        var socket = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(socket))
        {
            throw new DockerIRException(FailureKind.Usage,
                $"the signing key {path} is a public key: its private key is used through ssh-agent, but {SocketVariable} is not set (eval \"$(ssh-agent)\"; ssh-add KEY)");
        }

        var answer = Request(socket, [RequestIdentities]);
        if (answer[0] != IdentitiesAnswer)
        {
            throw new DockerIRException(FailureKind.Usage, $"ssh-agent at {socket} would not list its keys");
        }

        var r = new SshSignature.SshReader(answer[1..]);
        var count = r.UInt32();
        var held = false;
        for (var i = 0; i < count && !held; i++)
        {
            held = r.String().AsSpan().SequenceEqual(publicBlob);
            r.String(); // comment
        }

        if (!held)
        {
            throw new DockerIRException(FailureKind.Usage, $"ssh-agent at {socket} does not hold the key of {path} (ssh-add its private key)");
        }

        return new SshSignature.SigningKey(data => Sign(socket, publicBlob, keyType, data), publicBlob, keyType, null, socket);
    }

    private static byte[] Sign(string socket, byte[] publicBlob, string keyType, byte[] data)
    {
        var request = new SshSignature.SshWriter().Raw([SignRequest]).String(publicBlob).String(data).UInt32(keyType == "ssh-rsa" ? RsaSha2_512 : 0).ToArray();
        var answer = Request(socket, request);
        if (answer[0] == Failure)
        {
            throw new DockerIRException(FailureKind.Usage, $"ssh-agent at {socket} refused to sign (a key that needs confirmation or a touch, or was removed)");
        }

        if (answer[0] != SignResponse)
        {
            throw new DockerIRException(FailureKind.Usage, $"ssh-agent at {socket} answered the sign request with message {answer[0]}");
        }

        return new SshSignature.SshReader(answer[1..]).String();
    }

    /// <summary>One request and its answer (the type byte first), over a fresh connection.</summary>
    private static byte[] Request(string socket, byte[] message)
    {
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 60_000, SendTimeout = 10_000 };
            s.Connect(new UnixDomainSocketEndPoint(socket));
            var framed = new byte[4 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)message.Length);
            message.CopyTo(framed, 4);
            s.Send(framed);
            var header = Receive(s, 4);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length is 0 or > MaxAnswer)
            {
                throw new DockerIRException(FailureKind.Usage, $"ssh-agent at {socket} sent an answer of {length} bytes");
            }

            return Receive(s, (int)length);
        }
        catch (SocketException e)
        {
            throw new DockerIRException(FailureKind.Usage, $"cannot reach ssh-agent at {socket} ({SocketVariable}): {e.Message}", e);
        }
    }

    private static byte[] Receive(Socket s, int n)
    {
        var buffer = new byte[n];
        for (var got = 0; got < n;)
        {
            var read = s.Receive(buffer, got, n - got, SocketFlags.None);
            if (read == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            got += read;
        }

        return buffer;
    }
}
