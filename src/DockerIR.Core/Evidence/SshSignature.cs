using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace DockerIR.Core.Evidence;

/// <summary>
/// Detached signatures in OpenSSH's SSHSIG format (PROTOCOL.sshsig), so a receiver checks a bundle with the tool on
/// every machine: <c>ssh-keygen -Y verify -f allowed_signers -I NAME -n dockerir-bundle -s B.sig &lt; B</c>. Signs with
/// an unencrypted OpenSSH key file (ECDSA P-256/P-384/P-521 or RSA; Ed25519 is not in .NET's cryptography, so such a
/// key is refused with that reason) and verifies ECDSA, RSA and Ed25519-free signatures against an allowed_signers file.
/// </summary>
public static class SshSignature
{
    /// <summary>The namespace of a bundle's signature: a signature made for anything else does not verify as one.</summary>
    public const string BundleNamespace = "dockerir-bundle";

    private const string Armor = "SSH SIGNATURE";
    private static readonly byte[] Magic = "SSHSIG"u8.ToArray();

    /// <summary>A key file read for signing, larger than any OpenSSH key.</summary>
    private const int MaxKeyFileBytes = 64 << 10;

    /// <summary>
    /// A key ready to sign: a private key file loaded here, or a key held by ssh-agent (given by its public key file,
    /// as <c>ssh-keygen -Y sign -f KEY.pub</c> takes it). Its public blob is what allowed_signers lists.
    /// </summary>
    public sealed class SigningKey : IDisposable
    {
        private readonly Func<byte[], byte[]> sign;
        private readonly IDisposable? owned;

        /// <param name="sign">Signs the SSHSIG signed data, giving the SSH signature blob (string algorithm, string signature).</param>
        internal SigningKey(Func<byte[], byte[]> sign, byte[] publicBlob, string keyType, IDisposable? owned, string? agent = null)
        {
            this.sign = sign;
            this.owned = owned;
            PublicBlob = publicBlob;
            KeyType = keyType;
            Agent = agent;
        }

        public byte[] PublicBlob { get; }

        public string KeyType { get; }

        /// <summary>The agent's socket when the agent signs, else null.</summary>
        public string? Agent { get; }

        /// <summary>As ssh-keygen -l prints it: SHA256:base64 of the public blob, unpadded.</summary>
        public string Fingerprint => Fingerprint_(PublicBlob);

        /// <summary>The public key as an authorized_keys / allowed_signers line's key part ("TYPE BASE64").</summary>
        public string PublicLine => $"{KeyType} {Convert.ToBase64String(PublicBlob)}";

        /// <summary>The armored SSHSIG of a message given by its SHA-256 digest (e.g. a bundle's hash, already computed).</summary>
        public string SignSha256(ReadOnlySpan<byte> messageSha256, string ns)
        {
            var signature = sign(SignedData(ns, "sha256", messageSha256));
            var blob = new SshWriter().Raw(Magic).UInt32(1).String(PublicBlob).String(ns).String("").String("sha256").String(signature).ToArray();
            var base64 = Convert.ToBase64String(blob);
            var armored = new StringBuilder($"-----BEGIN {Armor}-----\n");
            for (var i = 0; i < base64.Length; i += 70)
            {
                armored.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
            }

            return armored.Append($"-----END {Armor}-----\n").ToString();
        }

        public void Dispose() => owned?.Dispose();
    }

    /// <summary>The SSH signature blob of <paramref name="signed"/> by a private key held here (ECDSA or RSA).</summary>
    private static byte[] SignWith(AsymmetricAlgorithm key, byte[] signed)
    {
        switch (key)
        {
            case ECDsa ec:
                var (curve, hash) = CurveOf(ec.KeySize);
                var p1363 = ec.SignData(signed, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                var half = p1363.Length / 2;
                var rs = new SshWriter().MPInt(p1363.AsSpan(0, half)).MPInt(p1363.AsSpan(half)).ToArray();
                return new SshWriter().String("ecdsa-sha2-" + curve).String(rs).ToArray();
            case RSA rsa:
                return new SshWriter().String("rsa-sha2-512").String(rsa.SignData(signed, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1)).ToArray();
            default:
                throw new InvalidOperationException("unsupported key");
        }
    }

    private static string Fingerprint_(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    private static (string Curve, HashAlgorithmName Hash) CurveOf(int bits) => bits switch
    {
        256 => ("nistp256", HashAlgorithmName.SHA256),
        384 => ("nistp384", HashAlgorithmName.SHA384),
        521 => ("nistp521", HashAlgorithmName.SHA512),
        _ => throw new DockerIRException(FailureKind.Usage, $"an ECDSA key of {bits} bits is not an SSH key size (256, 384 or 521)"),
    };

    private static byte[] SignedData(string ns, string hashAlgorithm, ReadOnlySpan<byte> digest) =>
        new SshWriter().Raw(Magic).String(ns).String("").String(hashAlgorithm).String(digest).ToArray();

    /// <summary>Loads an unencrypted OpenSSH private key file ("BEGIN OPENSSH PRIVATE KEY", as ssh-keygen writes it).</summary>
    public static SigningKey LoadKey(string path)
    {
        string text;
        try
        {
            var bytes = Platform.Native.ReadSmallRegularFile(path, MaxKeyFileBytes, followLink: true);
            text = bytes is null ? throw Bad(path, "is larger than any SSH key file") : Encoding.ASCII.GetString(bytes);
        }
        catch (IOException e)
        {
            throw new DockerIRException(FailureKind.NotFound, $"cannot read the signing key {path}: {e.Message}", e);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.VerificationFailed)
        {
            throw Bad(path, "is not a regular file");
        }

        // A public key file (KEY.pub): the agent holds the private key and signs, as ssh-keygen -Y sign -f KEY.pub does.
        if (PublicKeyLine(text) is { } publicKey)
        {
            return SshAgent.KeyFor(path, publicKey.Blob, publicKey.Type);
        }

        var body = Dearmor(text, "OPENSSH PRIVATE KEY") ?? throw Bad(path, "is not an OpenSSH private key file (-----BEGIN OPENSSH PRIVATE KEY-----, as ssh-keygen writes it) or public key file (KEY.pub, signed with by ssh-agent)");
        try
        {
            var r = new SshReader(body);
            if (!r.Raw(15).SequenceEqual("openssh-key-v1\0"u8))
            {
                throw Bad(path, "is not an openssh-key-v1 key");
            }

            var cipher = r.Text();
            r.String(); // kdf name
            r.String(); // kdf options
            if (cipher != "none")
            {
                throw Bad(path, $"is protected by a passphrase ({cipher}); give a key file without one (ssh-keygen -N '' ...), kept as the signing key's owner decides");
            }

            if (r.UInt32() != 1)
            {
                throw Bad(path, "holds more than one key");
            }

            r.String(); // public key (repeated in the private part)
            var p = new SshReader(r.String());
            if (p.UInt32() != p.UInt32())
            {
                throw Bad(path, "is damaged (its check numbers differ)");
            }

            var type = p.Text();
            switch (type)
            {
                case "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521":
                {
                    var curveName = p.Text();
                    var q = p.String();
                    var d = p.String();
                    var curve = curveName switch { "nistp256" => ECCurve.NamedCurves.nistP256, "nistp384" => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 };
                    var size = (q.Length - 1) / 2;
                    var ec = ECDsa.Create(new ECParameters
                    {
                        Curve = curve,
                        Q = new ECPoint { X = q[1..(1 + size)], Y = q[(1 + size)..] },
                        D = Unsigned(d, size),
                    });
                    return new SigningKey(data => SignWith(ec, data), new SshWriter().String(type).String(curveName).String(q).ToArray(), type, ec);
                }

                case "ssh-rsa":
                {
                    var n = p.String();
                    var e = p.String();
                    var d = p.String();
                    var iqmp = p.String();
                    var prime1 = p.String();
                    var prime2 = p.String();
                    var modulus = Unsigned(n, 0);
                    var half = (modulus.Length + 1) / 2;
                    var dInt = new BigInteger(d, isUnsigned: true, isBigEndian: true);
                    var pInt = new BigInteger(prime1, isUnsigned: true, isBigEndian: true);
                    var qInt = new BigInteger(prime2, isUnsigned: true, isBigEndian: true);
                    var rsa = RSA.Create(new RSAParameters
                    {
                        Modulus = modulus,
                        Exponent = Unsigned(e, 0),
                        D = Unsigned(d, modulus.Length),
                        P = Unsigned(prime1, half),
                        Q = Unsigned(prime2, half),
                        DP = Unsigned((dInt % (pInt - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), half),
                        DQ = Unsigned((dInt % (qInt - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), half),
                        InverseQ = Unsigned(iqmp, half),
                    });
                    return new SigningKey(data => SignWith(rsa, data), new SshWriter().String("ssh-rsa").MPInt(Unsigned(e, 0)).MPInt(modulus).ToArray(), "ssh-rsa", rsa);
                }

                case "ssh-ed25519":
                    throw Bad(path, "is an Ed25519 key, which .NET's cryptography cannot sign with; load it into ssh-agent (ssh-add) and give its public key file (KEY.pub), or make an ECDSA key (ssh-keygen -t ecdsa)");
                default:
                    throw Bad(path, $"is a {type} key; dockerir signs with ECDSA or RSA keys");
            }
        }
        catch (Exception e) when (e is EndOfStreamException or CryptographicException or ArgumentException)
        {
            throw Bad(path, $"is damaged: {e.Message}");
        }
    }

    /// <summary>The key of a one-line public key file ("TYPE BASE64 [comment]") whose blob names the same type, or null.</summary>
    private static (string Type, byte[] Blob)? PublicKeyLine(string text)
    {
        var fields = text.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2 || text.Trim().Contains('\n', StringComparison.Ordinal) || !fields[0].StartsWith("ssh-", StringComparison.Ordinal) && !fields[0].StartsWith("ecdsa-", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var blob = Convert.FromBase64String(fields[1]);
            return new SshReader(blob).Text() == fields[0] ? (fields[0], blob) : null;
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or ArgumentException)
        {
            return null;
        }
    }

    private static DockerIRException Bad(string path, string why) => new(FailureKind.Usage, $"the signing key {path} {why}");

    /// <summary>The result of checking a signature: whether it holds, and who signed (the matching allowed_signers principal and key).</summary>
    public sealed record Check(bool Valid, string Detail, string? Fingerprint);

    /// <summary>
    /// Checks an armored SSHSIG over a message against an allowed_signers file for one identity, as <c>ssh-keygen -Y
    /// verify</c> does: the namespace, the signature by the key inside it, and that key listed for the identity.
    /// <paramref name="digest"/> gives the message's hash for the algorithm the signature names ("sha256" or "sha512").
    /// </summary>
    public static Check Verify(string armored, Func<string, byte[]> digest, string allowedSigners, string identity, string ns)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var blob = Dearmor(armored, Armor);
        if (blob is null)
        {
            return new(false, "not an SSH signature (-----BEGIN SSH SIGNATURE-----)", null);
        }

        try
        {
            var r = new SshReader(blob);
            if (!r.Raw(6).SequenceEqual(Magic) || r.UInt32() != 1)
            {
                return new(false, "not an SSHSIG version 1 signature", null);
            }

            var publicBlob = r.String();
            var signedNs = r.Text();
            r.String(); // reserved
            var hashAlgorithm = r.Text();
            var signature = r.String();
            var fingerprint = Fingerprint_(publicBlob);
            if (signedNs != ns)
            {
                return new(false, $"signed for the namespace '{SafeText.Escape(signedNs)}', not '{ns}'", fingerprint);
            }

            if (hashAlgorithm is not ("sha256" or "sha512"))
            {
                return new(false, $"hash algorithm '{SafeText.Escape(hashAlgorithm)}' is not sha256 or sha512", fingerprint);
            }

            if (new SshReader(publicBlob).Text() == "ssh-ed25519")
            {
                return new(false, $"the signature is by the Ed25519 key {fingerprint}, which dockerir cannot check (.NET has no Ed25519): check it with ssh-keygen -Y verify", fingerprint);
            }

            if (!VerifyWithKey(publicBlob, SignedData(signedNs, hashAlgorithm, digest(hashAlgorithm)), signature))
            {
                return new(false, $"the signature by {fingerprint} does not match the bundle", fingerprint);
            }

            return Allowed(allowedSigners, identity, ns, publicBlob)
                ? new(true, $"good signature for {SafeText.Escape(identity)} by {fingerprint}", fingerprint)
                : new(false, $"the key {fingerprint} is not an allowed signer for {SafeText.Escape(identity)}", fingerprint);
        }
        catch (Exception e) when (e is EndOfStreamException or CryptographicException or ArgumentException or FormatException)
        {
            return new(false, $"the signature is damaged: {e.Message}", null);
        }
    }

    private static bool VerifyWithKey(byte[] publicBlob, byte[] signed, byte[] signature)
    {
        var k = new SshReader(publicBlob);
        var type = k.Text();
        var s = new SshReader(signature);
        var sigType = s.Text();
        var sig = s.String();
        switch (type)
        {
            case "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" when sigType == type:
            {
                var curveName = k.Text();
                var q = k.String();
                var (curve, size, hash) = curveName switch
                {
                    "nistp256" => (ECCurve.NamedCurves.nistP256, 32, HashAlgorithmName.SHA256),
                    "nistp384" => (ECCurve.NamedCurves.nistP384, 48, HashAlgorithmName.SHA384),
                    "nistp521" => (ECCurve.NamedCurves.nistP521, 66, HashAlgorithmName.SHA512),
                    _ => throw new ArgumentException($"unknown curve {curveName}"),
                };
                if (q.Length != 1 + (2 * size) || q[0] != 4)
                {
                    return false;
                }

                using var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = q[1..(1 + size)], Y = q[(1 + size)..] } });
                var rs = new SshReader(sig);
                var p1363 = new byte[2 * size];
                Unsigned(rs.String(), size).CopyTo(p1363, 0);
                Unsigned(rs.String(), size).CopyTo(p1363, size);
                return ec.VerifyData(signed, p1363, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }

            case "ssh-rsa" when sigType is "rsa-sha2-512" or "rsa-sha2-256":
            {
                var e = Unsigned(k.String(), 0);
                var n = Unsigned(k.String(), 0);
                using var rsa = RSA.Create(new RSAParameters { Exponent = e, Modulus = n });
                return rsa.VerifyData(signed, sig, sigType == "rsa-sha2-512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }

            default:
                throw new ArgumentException($"a {type} key with a {sigType} signature cannot be checked here (ECDSA and RSA can)");
        }
    }

    /// <summary>
    /// Whether allowed_signers lists <paramref name="publicBlob"/> for <paramref name="identity"/> (principals with *
    /// and ? wildcards, separated by commas; a namespaces="..." option must name <paramref name="ns"/>; cert-authority
    /// lines are not trusted here).
    /// </summary>
    public static bool Allowed(string allowedSigners, string identity, string ns, byte[] publicBlob)
    {
        ArgumentNullException.ThrowIfNull(allowedSigners);
        foreach (var raw in allowedSigners.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = SplitFields(line);
            if (fields.Count < 3 || !fields[0].Split(',').Any(p => Glob(p, identity)))
            {
                continue;
            }

            // Options (if any) come between the principals and the key type.
            var keyAt = fields.FindIndex(1, f => f.StartsWith("ssh-", StringComparison.Ordinal) || f.StartsWith("ecdsa-", StringComparison.Ordinal) || f.StartsWith("sk-", StringComparison.Ordinal));
            if (keyAt < 0 || keyAt + 1 >= fields.Count)
            {
                continue;
            }

            var options = string.Join(',', fields[1..keyAt]);
            if (options.Contains("cert-authority", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (OptionValue(options, "namespaces") is { } namespaces && !namespaces.Split(',').Any(n => Glob(n, ns)))
            {
                continue;
            }

            try
            {
                if (Convert.FromBase64String(fields[keyAt + 1]).AsSpan().SequenceEqual(publicBlob))
                {
                    return true;
                }
            }
            catch (FormatException)
            {
            }
        }

        return false;
    }

    private static List<string> SplitFields(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (char.IsWhiteSpace(c) && !quoted)
            {
                if (current.Length > 0)
                {
                    fields.Add(current.ToString());
                    current.Clear();
                }

                continue;
            }

            current.Append(c);
        }

        if (current.Length > 0)
        {
            fields.Add(current.ToString());
        }

        return fields;
    }

    private static string? OptionValue(string options, string name)
    {
        var at = options.IndexOf(name + "=\"", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var start = at + name.Length + 2;
        var end = options.IndexOf('"', start);
        return end < 0 ? null : options[start..end];
    }

    /// <summary>OpenSSH's pattern match: * any run, ? any one character.</summary>
    private static bool Glob(string pattern, string text)
    {
        if (pattern.Length == 0)
        {
            return text.Length == 0;
        }

        if (pattern[0] == '*')
        {
            for (var i = 0; i <= text.Length; i++)
            {
                if (Glob(pattern[1..], text[i..]))
                {
                    return true;
                }
            }

            return false;
        }

        return text.Length > 0 && (pattern[0] == '?' || pattern[0] == text[0]) && Glob(pattern[1..], text[1..]);
    }

    /// <summary>The base64 body between -----BEGIN LABEL----- and -----END LABEL-----, or null.</summary>
    private static byte[]? Dearmor(string text, string label)
    {
        var begin = $"-----BEGIN {label}-----";
        var end = $"-----END {label}-----";
        var a = text.IndexOf(begin, StringComparison.Ordinal);
        var b = a < 0 ? -1 : text.IndexOf(end, a, StringComparison.Ordinal);
        if (a < 0 || b < 0)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(string.Concat(text[(a + begin.Length)..b].Where(c => !char.IsWhiteSpace(c))));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>An SSH mpint's or string's magnitude as unsigned big-endian, left-padded to <paramref name="size"/> (0: as short as it is).</summary>
    private static byte[] Unsigned(ReadOnlySpan<byte> value, int size)
    {
        while (value.Length > 0 && value[0] == 0)
        {
            value = value[1..];
        }

        if (size == 0)
        {
            return value.ToArray();
        }

        if (value.Length > size)
        {
            throw new ArgumentException($"a number of {value.Length} bytes where {size} fit");
        }

        var result = new byte[size];
        value.CopyTo(result.AsSpan(size - value.Length));
        return result;
    }

    /// <summary>SSH wire encoding (RFC 4251): uint32 big-endian, strings with a uint32 length, mpints two's complement.</summary>
    internal sealed class SshWriter
    {
        private readonly ArrayBufferWriter<byte> buffer = new();

        public SshWriter Raw(ReadOnlySpan<byte> bytes)
        {
            buffer.Write(bytes);
            return this;
        }

        public SshWriter UInt32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, value);
            return Raw(b);
        }

        public SshWriter String(ReadOnlySpan<byte> bytes) => UInt32((uint)bytes.Length).Raw(bytes);

        public SshWriter String(string text) => String(Encoding.UTF8.GetBytes(text));

        public SshWriter MPInt(ReadOnlySpan<byte> unsignedBigEndian)
        {
            while (unsignedBigEndian.Length > 0 && unsignedBigEndian[0] == 0)
            {
                unsignedBigEndian = unsignedBigEndian[1..];
            }

            return unsignedBigEndian.Length > 0 && (unsignedBigEndian[0] & 0x80) != 0
                ? UInt32((uint)unsignedBigEndian.Length + 1).Raw([0]).Raw(unsignedBigEndian)
                : String(unsignedBigEndian);
        }

        public byte[] ToArray() => buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads SSH wire encoding, bounds-checked: a short or lying length is an EndOfStreamException.</summary>
    internal sealed class SshReader(byte[] data)
    {
        private int at;

        public ReadOnlySpan<byte> Raw(int n)
        {
            if (n < 0 || n > data.Length - at)
            {
                throw new EndOfStreamException("the data ends early");
            }

            var span = data.AsSpan(at, n);
            at += n;
            return span;
        }

        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Raw(4));

        public byte[] String()
        {
            var n = UInt32();
            return n > int.MaxValue ? throw new EndOfStreamException("a length past the data") : Raw((int)n).ToArray();
        }

        public string Text() => Encoding.UTF8.GetString(String());
    }
}
