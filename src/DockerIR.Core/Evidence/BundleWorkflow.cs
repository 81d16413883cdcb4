using System.IO.Compression;
using System.Text;
using ICSharpCode.SharpZipLib.Tar;
using Serilog;
using DockerIR.Core.Case;

namespace DockerIR.Core.Evidence;

/// <summary>What a bundle run wrote.</summary>
public sealed record BundleResult(string BundlePath, string Sha256, long Bytes, int Files, bool EvidenceComplete, string? Incomplete, double Seconds,
    string? Signature = null, string? SignerFingerprint = null);

/// <summary>
/// Seals a case: SHA256SUMS over every file (coreutils format), then one .tar.gz of the case directory with
/// the sums and records first, and FILE.sha256 beside it. Both are written under temporary names and renamed
/// only when complete, so a bundle under its final name is always whole. <paramref name="refreshViews"/> writes the
/// case's views (timeline, report) again just before the sums, so the sealed views include everything recorded so far;
/// it is given by the caller (Evidence does not depend on the views), e.g. <c>Views.CaseViews.Refresher</c>.
/// </summary>
public sealed class BundleWorkflow(Actor actor, TimeProvider clock, ILogger log, Func<CaseDirectory, CustodyLog, string, CancellationToken, Task> refreshViews)
{
    /// <summary>The custody action that ends a sealed log.</summary>
    public const string SealAction = "bundle.seal";

    /// <summary>The environment variable naming the signing key when no --sign is given.</summary>
    public const string SigningKeyVariable = "DOCKERIR_SIGNING_KEY";

    /// <summary>Where a case's bundle goes unless told otherwise: beside its folder, as FOLDER.tar.gz.</summary>
    public static string DefaultPath(string caseDir)
    {
        ArgumentNullException.ThrowIfNull(caseDir);
        return Path.GetFullPath(caseDir).TrimEnd('/') + ".tar.gz";
    }

    /// <summary>Seals the case into a bundle; with <paramref name="signingKey"/> (an OpenSSH private key file) also writes BUNDLE.sig.</summary>
    /// <param name="progress">Told each stage and file as it goes (hashing, writing i/N), for a status line.</param>
    public async Task<BundleResult> RunAsync(string caseDir, string? output, CancellationToken cancellationToken, string? signingKey = null, IProgress<string>? progress = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // A key that cannot sign is refused before anything is sealed.
        using var key = string.IsNullOrEmpty(signingKey) ? null : SshSignature.LoadKey(signingKey);
        var (dir, record) = await CaseDirectory.OpenAsync(caseDir, cancellationToken);
        var bundlePath = Path.GetFullPath(output ?? DefaultPath(dir.Root));
        if (bundlePath.StartsWith(dir.Root + "/", StringComparison.Ordinal))
        {
            throw new DockerIRException(FailureKind.Usage, $"the bundle cannot be written inside the case directory it seals ({bundlePath})");
        }

        var custody = new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock);
        var incomplete = await IncompleteReasonAsync(dir, cancellationToken);
        // Sealed again: what was appended after the last seal joins the log, and lines go to it until the new seal.
        await custody.FoldAfterSealAsync(cancellationToken);
        CaseLog.FoldAfterSeal(dir.Root);
        File.Delete(dir.PathOf(CaseFiles.SumsFile));
        await custody.AppendAsync("bundle.start", bundlePath, CustodyOutcome.Started, incomplete ?? "manifest complete", cancellationToken);
        await refreshViews(dir, custody, $"{record.Container.Name} ({record.Container.Id})", cancellationToken);

        // The seal is the sealed log's last line; what follows it goes to custody-after-seal.jsonl, chained to it.
        await custody.AppendAsync(SealAction, bundlePath, CustodyOutcome.Succeeded, "the custody log ends here; SHA256SUMS and the bundle follow", cancellationToken);
        progress?.Report("hashing the case's files into SHA256SUMS");
        var files = await CaseFiles.WriteSumsAsync(dir, cancellationToken);
        log.Hashed(files.Count, record.CaseId);

        // Left by an earlier run that was killed while writing: never a bundle, only in the way.
        foreach (var stale in Directory.EnumerateFiles(Path.GetDirectoryName(bundlePath)!, Path.GetFileName(bundlePath) + "*.partial-*"))
        {
            TryDelete(stale);
        }

        var temp = $"{bundlePath}.partial-{Environment.ProcessId}";
        var sumTemp = $"{bundlePath}.sha256.partial-{Environment.ProcessId}";
        try
        {
            string sha;
            long bytes;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                await using var hashing = new HashingWriteStream(file);
                await using (var gzip = new GZipStream(hashing, CompressionLevel.Fastest, leaveOpen: true))
                {
                    await WriteTarAsync(gzip, dir, record.CaseId, [CaseFiles.SumsFile, .. files.Select(f => f.Name)], progress, cancellationToken);
                }

                await hashing.FlushAsync(cancellationToken);
                sha = hashing.HashHex();
                bytes = hashing.BytesWritten;
                file.Flush(flushToDisk: true);
            }

            await File.WriteAllBytesAsync(sumTemp, Encoding.UTF8.GetBytes(CaseFiles.SumLine(sha, Path.GetFileName(bundlePath))), cancellationToken); // no byte-order mark: sha256sum -c reads it
            File.Move(temp, bundlePath, overwrite: true);
            File.Move(sumTemp, bundlePath + ".sha256", overwrite: true);
            await custody.AppendAsync("bundle.written", bundlePath, CustodyOutcome.Succeeded, $"sha256 {sha}, {bytes} bytes, {files.Count + 1} files", cancellationToken);
            log.Bundled(record.CaseId, bundlePath, bytes);
            var signature = bundlePath + ".sig";
            if (key is null)
            {
                TryDelete(signature); // an earlier bundle's signature would not match this one
                return new BundleResult(bundlePath, sha, bytes, files.Count + 1, incomplete is null, incomplete, watch.Elapsed.TotalSeconds);
            }

            // SSHSIG over the bundle's bytes, given by the SHA-256 already computed: ssh-keygen -Y verify checks it as is.
            var sigTemp = $"{signature}.partial-{Environment.ProcessId}";
            await File.WriteAllTextAsync(sigTemp, key.SignSha256(Convert.FromHexString(sha), SshSignature.BundleNamespace), cancellationToken);
            File.Move(sigTemp, signature, overwrite: true);
            await custody.AppendAsync("bundle.signed", signature, CustodyOutcome.Succeeded,
                $"SSH signature (namespace {SshSignature.BundleNamespace}) over sha256 {sha} by {key.KeyType} key {key.Fingerprint}{(key.Agent is null ? "" : " through ssh-agent")}", cancellationToken);
            log.BundleSigned(bundlePath, key.KeyType, key.Fingerprint);
            return new BundleResult(bundlePath, sha, bytes, files.Count + 1, incomplete is null, incomplete, watch.Elapsed.TotalSeconds, signature, key.Fingerprint);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or DockerIRException)
        {
            TryDelete(temp);
            TryDelete(sumTemp);
            TryDelete($"{bundlePath}.sig.partial-{Environment.ProcessId}");
            await custody.AppendAsync("bundle", bundlePath, e is OperationCanceledException ? CustodyOutcome.Interrupted : CustodyOutcome.Failed,
                e.Message, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Why the evidence in the case is not complete, or null when it is.</summary>
    private static async Task<string?> IncompleteReasonAsync(CaseDirectory dir, CancellationToken cancellationToken)
    {
        var path = dir.PathOf(Manifest.FileName);
        if (!File.Exists(path))
        {
            return "no manifest: the change set was not extracted (run 'dockerir extract')";
        }

        var manifest = await ManifestFile.ReadAsync(path, cancellationToken);
        return manifest.Complete ? null : $"the manifest lists {manifest.Gaps.Count} gaps";
    }

    private static async Task WriteTarAsync(Stream output, CaseDirectory dir, string caseId, IReadOnlyList<string> names, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await using var tar = new TarOutputStream(output, Encoding.UTF8) { IsStreamOwner = false };
        var written = new HashSet<string>(StringComparer.Ordinal);
        await PutDirectoryAsync(tar, caseId, written, cancellationToken);
        for (var n = 0; n < names.Count; n++)
        {
            var name = names[n];
            progress?.Report($"writing {n + 1}/{names.Count}: {name}");
            await FaultPoints.HitAsync(FaultPoints.BundleFile, cancellationToken);
            var parts = name.Split('/');
            for (var i = 1; i < parts.Length; i++)
            {
                await PutDirectoryAsync(tar, $"{caseId}/{string.Join('/', parts[..i])}", written, cancellationToken);
            }

            var info = new FileInfo(dir.PathOf(name));
            var entry = TarEntry.CreateTarEntry($"{caseId}/{name}");
            entry.Size = info.Length;
            entry.ModTime = info.LastWriteTimeUtc;
            entry.TarHeader.Mode = Convert.ToInt32("644", 8);
            entry.TarHeader.UserId = 0;
            entry.TarHeader.GroupId = 0;
            entry.TarHeader.UserName = "root";
            entry.TarHeader.GroupName = "root";
            await tar.PutNextEntryAsync(entry, cancellationToken);
            await using (var source = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous))
            {
                var copied = await CopyExactlyAsync(source, tar, info.Length, cancellationToken);
                if (copied != info.Length)
                {
                    throw new IOException($"{name} changed size while it was bundled");
                }
            }

            await tar.CloseEntryAsync(cancellationToken);
        }
    }

    private static async Task PutDirectoryAsync(TarOutputStream tar, string name, HashSet<string> written, CancellationToken cancellationToken)
    {
        if (!written.Add(name))
        {
            return;
        }

        var entry = TarEntry.CreateTarEntry(name + "/");
        entry.TarHeader.TypeFlag = TarHeader.LF_DIR;
        entry.TarHeader.Mode = Convert.ToInt32("755", 8);
        entry.TarHeader.UserName = "root";
        entry.TarHeader.GroupName = "root";
        entry.Size = 0;
        await tar.PutNextEntryAsync(entry, cancellationToken);
        await tar.CloseEntryAsync(cancellationToken);
    }

    private static async Task<long> CopyExactlyAsync(Stream source, Stream destination, long length, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while (total < length && (read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - total)), cancellationToken)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            total += read;
        }

        return total;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
