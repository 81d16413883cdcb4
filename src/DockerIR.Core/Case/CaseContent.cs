using System.IO.Compression;
using System.Runtime.CompilerServices;
using DockerIR.Core.Formats;
using DockerIR.Core.Platform;

namespace DockerIR.Core.Case;

/// <summary>One file of a case as it is read: its name relative to the case and its content (valid until the next file).</summary>
public sealed record CaseFile(string Name, Stream Content);

/// <summary>
/// The files of a case, from a case directory or streamed out of a bundle (.tar.gz), in the case's order:
/// SHA256SUMS and the records first, the large tars last. Nothing is unpacked to disk.
/// </summary>
public abstract class CaseContent
{
    /// <summary>What is read (the directory or the bundle), for messages.</summary>
    public required string Location { get; init; }

    /// <summary>
    /// Whether the records read must match the case's hashes: a bundle against its .sha256 and every record against
    /// SHA256SUMS; a sealed case directory every listed record against SHA256SUMS (an unsealed one has none to match).
    /// The views (findings, timeline, report) read verified unless told --unverified.
    /// </summary>
    public bool Verified { get; init; }

    /// <summary>The mark every line and page of a view carries when it shows records it did not check (--unverified).</summary>
    public const string UnverifiedMark = "UNVERIFIED";

    /// <summary>A case or bundle whose records are checked against its hashes as they are read (see <see cref="Verified"/>).</summary>
    public static CaseContent OpenVerified(string path, bool verified = true)
    {
        var content = Open(path);
        return !verified ? content : content switch
        {
            DirectoryContent d => new DirectoryContent { Location = d.Location, Verified = true },
            _ => new BundleContent { Location = content.Location, Verified = true },
        };
    }

    /// <summary>A case directory or a bundle, by what the path is.</summary>
    public static CaseContent Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return new DirectoryContent { Location = full };
        }

        if (File.Exists(full))
        {
            return new BundleContent { Location = full };
        }

        throw new DockerIRException(FailureKind.NotFound, $"no case directory or bundle at {full}");
    }

    public IAsyncEnumerable<CaseFile> FilesAsync(CancellationToken cancellationToken) => FilesAsync(null, cancellationToken);

    /// <summary>The files of the case in its order; with <paramref name="wanted"/>, only those it accepts are opened (a bundle still streams past the rest).</summary>
    public abstract IAsyncEnumerable<CaseFile> FilesAsync(Func<string, bool>? wanted, CancellationToken cancellationToken);

    /// <summary>The largest record file read (a manifest of a million entries fits).</summary>
    public const long MaxRecordBytes = 512L << 20;

    /// <summary>The most bytes of records one view reads in all: a bundle of small compressed bombs cannot add up.</summary>
    public const long MaxRecordsTotal = 768L << 20;

    /// <summary>
    /// The largest size dockerir writes for a record, with room to spare: the manifest (a million entries) and the
    /// findings may be large; the rest are small. A record past its size is a verification failure, read no further.
    /// </summary>
    public static long MaxBytesOf(string name) => name switch
    {
        Manifest.FileName or CaseDirectory.ChangesFile => MaxRecordBytes,
        "findings.json" => 128L << 20,
        ProcessesRecord.FileName => 128L << 20,
        CaseDirectory.CustodyFile or CaseDirectory.CustodyAfterSealFile or ProcessesRecord.SocketsFile => 64L << 20,
        CaseDirectory.CaseFile => 1L << 20,
        _ => 16L << 20,
    };

    /// <summary>A stream of one record, refused (verification failure) as soon as it passes its size.</summary>
    public static Stream Bounded(Stream record, string name, string location) => new LimitedStream(record, MaxBytesOf(name), name, location);

    /// <summary>A JSON record read from a case (null for a JSON null); a damaged one is a verification failure naming it.</summary>
    public static T? ParseRecord<T>(byte[] bytes, string location, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(bytes, type);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{location}: {name} is corrupted: {e.Message}", e);
        }
    }

    /// <summary>
    /// The named record files of the case (manifest, findings, custody, inspect; never the tars), read whole; a
    /// name the case lacks is absent from the result. Stops reading as soon as all are found.
    /// </summary>
    public async Task<Dictionary<string, byte[]>> ReadRecordsAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Dictionary<string, string>? sums = null;
        long total = 0;
        await foreach (var file in FilesAsync(name => names.Contains(name) || CaseFiles.IsEvidenceTar(name) || (Verified && name == CaseFiles.SumsFile), cancellationToken))
        {
            if (CaseFiles.IsEvidenceTar(file.Name))
            {
                // The tars come last in a case's order: every record has been seen.
                break;
            }

            if (Verified && file.Name == CaseFiles.SumsFile)
            {
                using var sumsReader = new StreamReader(Bounded(file.Content, CaseFiles.SumsFile, Location));
                sums = CaseFiles.ParseSums(await sumsReader.ReadToEndAsync(cancellationToken), $"{Location}: {CaseFiles.SumsFile}");
                continue;
            }

            if (!names.Contains(file.Name))
            {
                continue;
            }

            using var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int read;
            var max = MaxBytesOf(file.Name);
            while ((read = await file.Content.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"{Location}: {file.Name} is over {max >> 20} MiB, larger than dockerir writes it");
                }

                total += read;
                if (total > MaxRecordsTotal)
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"{Location}: its records are over {MaxRecordsTotal >> 20} MiB in all, more than dockerir writes");
                }

                buffer.Write(chunk, 0, read);
            }

            found[file.Name] = buffer.ToArray();
            if (found.Count == names.Count)
            {
                break;
            }
        }

        if (Verified)
        {
            await CheckRecordsAsync(found, sums, cancellationToken);
        }

        return found;
    }

    private sealed class DirectoryContent : CaseContent
    {
        public override async IAsyncEnumerable<CaseFile> FilesAsync(Func<string, bool>? wanted, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var names = CaseFiles.List(Location);
            if (Native.LStat(Path.Combine(Location, CaseFiles.SumsFile)) is not null)
            {
                // Whatever it is: opened below as every case file is, so a link or a FIFO is refused, never followed or waited on.
                names.Insert(0, CaseFiles.SumsFile);
            }

            foreach (var name in names)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (wanted?.Invoke(name) == false)
                {
                    continue;
                }

                await using var stream = Native.OpenRegularFile(Path.Combine(Location, name), 1 << 16);
                yield return new CaseFile(name, stream);
            }
        }
    }

    /// <summary>A bundle: gzip, then a tar whose members all sit below one top directory.</summary>
    private sealed class BundleContent : CaseContent
    {
        public override bool IsBundle => true;

        public override async IAsyncEnumerable<CaseFile> FilesAsync(Func<string, bool>? wanted, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var file = new FileStream(Location, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            // A damaged gzip can fail in a member's data as well as between members: either way the bundle is corrupted.
            await using var guarded = new CorruptionGuardStream(gzip, Location);
            using var reader = new TarStreamReader(guarded);
            string? top = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                TarItem? item;
                try
                {
                    item = await reader.NextAsync(cancellationToken);
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"the bundle {Location} is corrupted: {e.Message}", e);
                }

                if (item is null)
                {
                    break;
                }

                var name = item.Name.TrimEnd('/');
                var slash = name.IndexOf('/', StringComparison.Ordinal);
                top ??= slash < 0 ? name : name[..slash];
                if (!(name == top || name.StartsWith(top + "/", StringComparison.Ordinal)) || !CaseFiles.IsSafeName(name))
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"the bundle holds an unexpected member '{SafeText.Escape(item.Name)}'");
                }

                if (item.Type == TarItemType.Directory)
                {
                    continue;
                }

                if (name == top)
                {
                    // A case's files are all below its one directory: a top-level file is no bundle of ours.
                    throw new DockerIRException(FailureKind.VerificationFailed, $"the bundle's member '{SafeText.Escape(item.Name)}' is not inside the case's directory");
                }

                if (item.Type != TarItemType.File || !seen.Add(name))
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"the bundle holds '{SafeText.Escape(item.Name)}' twice or as a non-file");
                }

                if (wanted?.Invoke(name[(top.Length + 1)..]) == false)
                {
                    continue;
                }

                // A member cut short (a truncated bundle) fails inside its data, in whichever reader consumes it.
                yield return new CaseFile(name[(top.Length + 1)..], new CorruptionGuardStream(item.Data, Location));
            }
        }
    }

    /// <summary>True for a bundle file, false for a case directory.</summary>
    public virtual bool IsBundle => false;

    /// <summary>The records read against the case's hashes; a bundle also against its .sha256 (which a truncation fails).</summary>
    private async Task CheckRecordsAsync(Dictionary<string, byte[]> records, Dictionary<string, string>? sums, CancellationToken cancellationToken)
    {
        const string Hint = "'dockerir verify' names everything that does not match; --unverified shows it anyway";
        if (IsBundle)
        {
            await CheckArchiveAsync(Hint, cancellationToken);
        }

        if (sums is null)
        {
            if (IsBundle)
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"{Location} has no SHA256SUMS: not a sealed bundle, nothing to check its records against ({Hint})");
            }

            return; // a case directory not sealed yet: nothing to check against
        }

        foreach (var (name, bytes) in records)
        {
            var listed = sums.TryGetValue(name, out var want);
            if (!listed && !IsBundle)
            {
                continue; // written after the seal (a relaunch's plan, the lines after sealing): not part of the sealed case
            }

            if (!listed || want != Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)))
            {
                throw new DockerIRException(FailureKind.VerificationFailed,
                    $"{Location}: {name} {(listed ? "does not match SHA256SUMS" : "is not listed in SHA256SUMS")}: the case was altered ({Hint})");
            }
        }
    }

    /// <summary>The bundle's bytes against its .sha256.</summary>
    private async Task CheckArchiveAsync(string hint, CancellationToken cancellationToken)
    {
        var (want, problem, _) = ArchiveSum(Location);
        if (want is null)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{Location}: {problem} ({hint})");
        }

        await using var whole = new FileStream(Location, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var (actual, _) = await HashingStream.HashAsync(whole, cancellationToken);
        if (want != actual)
        {
            throw new DockerIRException(FailureKind.VerificationFailed,
                $"{Location} does not match its {Path.GetFileName(Location)}.sha256: the bundle was altered or cut short ({hint})");
        }
    }

    /// <summary>
    /// The hash a bundle's BUNDLE.sha256 gives for it, or why there is none (<paramref name="bundle"/>.sha256 missing,
    /// not a regular file, over 64 KiB, or not naming the bundle). One line is expected: it is read as a regular file
    /// (no link followed, no FIFO waited on) and at most 64 KiB of it.
    /// </summary>
    public static (string? Expected, string? Problem, bool Missing) ArchiveSum(string bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var sumFile = bundle + ".sha256";
        var name = Path.GetFileName(sumFile);
        if (Native.LStat(sumFile) is null)
        {
            return (null, $"no {name} beside the bundle: its own integrity cannot be checked", true);
        }

        string text;
        try
        {
            if (Native.ReadSmallRegularFile(sumFile, 64 << 10, followLink: false) is not { } bytes)
            {
                return (null, $"{name} is larger than 64 KiB: not a .sha256 dockerir wrote", false);
            }

            text = System.Text.Encoding.UTF8.GetString(bytes);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.VerificationFailed)
        {
            return (null, e.Message, false);
        }

        return CaseFiles.ParseSums(text, name).TryGetValue(Path.GetFileName(bundle), out var want)
            ? (want, null, false)
            : (null, $"{name} does not name {Path.GetFileName(bundle)}", false);
    }

    /// <summary>Passes a record through until its size limit, then fails as a verification failure naming it.</summary>
    private sealed class LimitedStream(Stream inner, long limit, string name, string location) : ReadOnlyStream
    {
        private long read;

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            read += n;
            return read > limit
                ? throw new DockerIRException(FailureKind.VerificationFailed, $"{location}: {name} is over {limit >> 20} MiB, larger than dockerir writes it")
                : n;
        }
    }

    /// <summary>Turns a read failure of the decompressed bundle into a verification failure that names the bundle.</summary>
    private sealed class CorruptionGuardStream(Stream inner, string location) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
            {
                throw Corrupted(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
            {
                throw Corrupted(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private DockerIRException Corrupted(Exception e) => new(FailureKind.VerificationFailed, $"the bundle {location} is corrupted: {e.Message}", e);
    }
}
