using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using DockerIR.Core.Evidence;

namespace DockerIR.Core.Tests;

/// <summary>SSHSIG signatures against OpenSSH's own ssh-keygen, both ways: what we sign it accepts, what it signs we accept.</summary>
public sealed class SshSignatureTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dockerir-sshsig-tests-").FullName;

    private static (int Code, string Out) Run(string file, string? stdinFile, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        if (stdinFile is not null)
        {
            using var input = File.OpenRead(stdinFile);
            input.CopyTo(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private string NewKey(string type, string bits)
    {
        var key = Path.Combine(dir, $"{type}-{bits}");
        var (code, output) = Run("ssh-keygen", null, "-q", "-t", type, "-b", bits, "-N", "", "-C", "responder@example", "-f", key);
        Assert.True(code == 0, output);
        return key;
    }

    private string Message(string text = "the bundle's bytes\n")
    {
        var file = Path.Combine(dir, "bundle.tar.gz");
        File.WriteAllText(file, text);
        return file;
    }

    private string AllowedSigners(string identity, params string[] keys)
    {
        var file = Path.Combine(dir, "allowed_signers");
        File.WriteAllLines(file, keys.Select(k => $"{identity} namespaces=\"{SshSignature.BundleNamespace}\" {File.ReadAllText(k + ".pub").Trim()}"));
        return file;
    }

    private static byte[] Digest(string file, string algorithm) =>
        algorithm == "sha256" ? SHA256.HashData(File.ReadAllBytes(file)) : SHA512.HashData(File.ReadAllBytes(file));

    [Theory]
    [InlineData("ecdsa", "256")]
    [InlineData("ecdsa", "384")]
    [InlineData("ecdsa", "521")]
    [InlineData("rsa", "2048")]
    public void WhatWeSign_SshKeygenVerifies_AndSoDoWe_AndOneAlteredByteFailsBoth(string type, string bits)
    {
        var key = NewKey(type, bits);
        var message = Message();
        using var signing = SshSignature.LoadKey(key);
        var sig = message + ".sig";
        File.WriteAllText(sig, signing.SignSha256(SHA256.HashData(File.ReadAllBytes(message)), SshSignature.BundleNamespace));
        var allowed = AllowedSigners("responder@example", key);

        var (code, output) = Run("ssh-keygen", message, "-Y", "verify", "-f", allowed, "-I", "responder@example", "-n", SshSignature.BundleNamespace, "-s", sig);
        Assert.True(code == 0, output);
        var ours = SshSignature.Verify(File.ReadAllText(sig), a => Digest(message, a), File.ReadAllText(allowed), "responder@example", SshSignature.BundleNamespace);
        Assert.True(ours.Valid, ours.Detail);
        Assert.Equal(Run("ssh-keygen", null, "-l", "-f", key + ".pub").Out.Split(' ')[1], signing.Fingerprint);

        File.WriteAllText(message, "the bundle's bytes!\n");
        Assert.NotEqual(0, Run("ssh-keygen", message, "-Y", "verify", "-f", allowed, "-I", "responder@example", "-n", SshSignature.BundleNamespace, "-s", sig).Code);
        Assert.False(SshSignature.Verify(File.ReadAllText(sig), a => Digest(message, a), File.ReadAllText(allowed), "responder@example", SshSignature.BundleNamespace).Valid);
    }

    [Fact]
    public void WhatSshKeygenSigns_WeVerify_AndAKeyNotAllowedOrAnotherNamespaceOrIdentityIsRefused()
    {
        var key = NewKey("ecdsa", "256");
        var other = NewKey("rsa", "2048");
        var message = Message();
        Assert.Equal(0, Run("ssh-keygen", null, "-q", "-Y", "sign", "-f", key, "-n", SshSignature.BundleNamespace, message).Code);
        var sig = File.ReadAllText(message + ".sig");

        Assert.True(SshSignature.Verify(sig, a => Digest(message, a), File.ReadAllText(AllowedSigners("responder@example", key)), "responder@example", SshSignature.BundleNamespace).Valid);

        var notAllowed = SshSignature.Verify(sig, a => Digest(message, a), File.ReadAllText(AllowedSigners("responder@example", other)), "responder@example", SshSignature.BundleNamespace);
        Assert.False(notAllowed.Valid);
        Assert.Contains("is not an allowed signer for responder@example", notAllowed.Detail, StringComparison.Ordinal);
        Assert.False(SshSignature.Verify(sig, a => Digest(message, a), File.ReadAllText(AllowedSigners("responder@example", key)), "mallory@example", SshSignature.BundleNamespace).Valid);
        Assert.Contains("namespace", SshSignature.Verify(sig, a => Digest(message, a), File.ReadAllText(AllowedSigners("responder@example", key)), "responder@example", "file").Detail,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519AndPassphraseKeys_AreRefusedWithTheReason_AndGarbageIsNotAKey()
    {
        var ed = NewKey("ed25519", "256");
        Assert.Contains("Ed25519", Assert.Throws<DockerIRException>(() => SshSignature.LoadKey(ed)).Message, StringComparison.Ordinal);

        var locked = Path.Combine(dir, "locked");
        Assert.Equal(0, Run("ssh-keygen", null, "-q", "-t", "ecdsa", "-N", "secret", "-f", locked).Code);
        Assert.Contains("passphrase", Assert.Throws<DockerIRException>(() => SshSignature.LoadKey(locked)).Message, StringComparison.Ordinal);

        var garbage = Path.Combine(dir, "garbage");
        File.WriteAllText(garbage, "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        Assert.Equal(FailureKind.Usage, Assert.Throws<DockerIRException>(() => SshSignature.LoadKey(garbage)).Kind);
        Assert.Equal(FailureKind.NotFound, Assert.Throws<DockerIRException>(() => SshSignature.LoadKey(Path.Combine(dir, "absent"))).Kind);
    }

    [Fact]
    public void DamagedSignatures_AreInvalidNotExceptions()
    {
        var allowed = "responder@example ecdsa-sha2-nistp256 AAAA";
        foreach (var text in new[] { "", "-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----\n",
            "-----BEGIN SSH SIGNATURE-----\n" + Convert.ToBase64String(Encoding.ASCII.GetBytes("SSHSIG\0\0\0\u0001\u00ff\u00ff\u00ff\u00ff")) + "\n-----END SSH SIGNATURE-----\n" })
        {
            Assert.False(SshSignature.Verify(text, _ => new byte[32], allowed, "responder@example", SshSignature.BundleNamespace).Valid);
        }
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
