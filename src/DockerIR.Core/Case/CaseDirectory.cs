using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DockerIR.Core.Case;

/// <summary>
/// A case directory on the responder's host: the only place a case writes to. Every file is written under a
/// temporary name and renamed into place, so a reader never sees half a file under its final name.
/// </summary>
public sealed class CaseDirectory
{
    public const string CaseFile = "case.json";
    public const string CustodyFile = "custody.jsonl";

    /// <summary>Custody lines appended after the case was sealed (SHA256SUMS written): chained to the sealed log, folded into it by the next bundle.</summary>
    public const string CustodyAfterSealFile = "custody-after-seal.jsonl";
    public const string ChangesFile = "changes.json";
    public const string ContainerDir = "container";
    public const string InspectFile = "container/inspect.json";

    private CaseDirectory(string root) => Root = root;

    /// <summary>Absolute path of the case directory.</summary>
    public string Root { get; }

    public string CustodyPath => Path.Combine(Root, CustodyFile);

    /// <summary>A new case id: UTC time to the second and four random hex digits, safe as an image tag and a file name.</summary>
    public static string NewCaseId(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        return $"{clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}-{suffix}";
    }

    /// <summary>Creates a new, empty case directory; refuses one that exists and holds anything.</summary>
    public static CaseDirectory CreateNew(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var root = Path.GetFullPath(path);
        if (File.Exists(root))
        {
            throw new DockerIRException(FailureKind.Conflict, $"case directory {root} is a file");
        }

        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new DockerIRException(FailureKind.Conflict, $"case directory {root} already exists and is not empty; choose another --case-dir");
        }

        try
        {
            Directory.CreateDirectory(root);
            Directory.CreateDirectory(Path.Combine(root, ContainerDir));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DockerIRException(FailureKind.Usage, $"cannot create case directory {root}: {e.Message}", e);
        }

        return new CaseDirectory(root);
    }

    /// <summary>A case directory a run created before (it may hold only the run's journal); one that is gone is never made again.</summary>
    public static CaseDirectory Attach(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw DockerIRException.Storage(new DirectoryNotFoundException($"the case directory {root} is gone"));
        }

        try
        {
            Directory.CreateDirectory(Path.Combine(root, ContainerDir));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DockerIRException(FailureKind.Usage, $"cannot use case directory {root}: {e.Message}", e);
        }

        return new CaseDirectory(root);
    }

    /// <summary>Opens an existing case directory and reads its case record.</summary>
    public static async Task<(CaseDirectory Dir, CaseRecord Record)> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var root = Path.GetFullPath(path);
        var file = Path.Combine(root, CaseFile);
        if (!File.Exists(file))
        {
            throw new DockerIRException(FailureKind.NotFound, $"{root} is not a case directory (no {CaseFile}); take one with 'dockerir snapshot CONTAINER'");
        }

        CaseRecord? record;
        try
        {
            await using var stream = File.OpenRead(file);
            record = await JsonSerializer.DeserializeAsync(stream, CaseJson.Indented.CaseRecord, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{file} is corrupted: {e.Message}", e);
        }

        if (record is null)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{file} is empty");
        }

        if (record.FormatVersion > CaseRecord.CurrentFormatVersion)
        {
            throw new DockerIRException(FailureKind.Usage,
                $"{file} has case format {record.FormatVersion}; this dockerir reads up to {CaseRecord.CurrentFormatVersion}: upgrade dockerir");
        }

        return (new CaseDirectory(root), record);
    }

    /// <summary>The absolute path of a file of the case, from a relative name that must stay inside it.</summary>
    public string PathOf(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relative));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{relative}' leaves the case directory", nameof(relative));
        }

        return full;
    }

    /// <summary>The classified change set the snapshot stored; empty when there is none and <paramref name="required"/> is false.</summary>
    public async Task<List<ClassifiedChange>> ReadChangesAsync(bool required, CancellationToken cancellationToken)
    {
        var changes = await ReadJsonAsync(ChangesFile, CaseJson.Indented.IReadOnlyListClassifiedChange, cancellationToken);
        if (changes is null && required)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{PathOf(ChangesFile)} is missing: the snapshot did not finish");
        }

        return [.. changes ?? []];
    }

    /// <summary>A JSON file of the case, or null when it is absent; a damaged one is a verification failure that names it.</summary>
    public async Task<T?> ReadJsonAsync<T>(string relative, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        var path = PathOf(relative);
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return default;
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{path} is corrupted: {e.Message}", e);
        }
    }

    public async Task WriteJsonAsync<T>(string relative, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var staged = await StageJsonAsync(relative, value, typeInfo, cancellationToken);
        staged.Commit();
    }

    /// <summary>
    /// Writes a JSON record under its temporary name and makes it durable, without putting it in place: the caller
    /// commits it once what it describes is durable too. It is serialized synchronously, a local file's writes
    /// being cheaper than a thread-pool hop per buffer.
    /// </summary>
    public Task<StagedFile> StageJsonAsync<T>(string relative, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        StageAsync(relative, (s, _) =>
        {
            JsonSerializer.Serialize(s, value, typeInfo);
            return Task.CompletedTask;
        }, cancellationToken);

    public Task WriteBytesAsync(string relative, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        WriteAtomicAsync(relative, (s, ct) => s.WriteAsync(bytes, ct).AsTask(), cancellationToken);

    /// <summary>Writes a file through <paramref name="write"/> under a temporary name, flushes it, then renames it into place.</summary>
    public async Task WriteAtomicAsync(string relative, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        using var staged = await StageAsync(relative, write, cancellationToken);
        staged.Commit();
    }

    /// <summary>As <see cref="WriteAtomicAsync(string, Func{Stream, CancellationToken, Task}, CancellationToken)"/>, returning what <paramref name="write"/> returns.</summary>
    public async Task<T> WriteAtomicAsync<T>(string relative, Func<Stream, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        T result = default!;
        await WriteAtomicAsync(relative, async (s, ct) => { result = await write(s, ct); }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Makes the folders between the case directory and <paramref name="target"/>, never the case directory itself: a
    /// case removed while a command writes to it fails that command (a storage error) instead of coming back with only
    /// the files written after the removal.
    /// </summary>
    private void CreateParentOf(string target)
    {
        var parent = Path.GetDirectoryName(target)!;
        if (Directory.Exists(parent))
        {
            return; // nothing to make, so nothing that could make the case again if it goes now
        }

        if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"the case directory {Root} is gone (removed while in use)");
        }

        Directory.CreateDirectory(parent);
    }

    /// <summary>Writes a file through <paramref name="write"/> under a temporary name and flushes it to disk; <see cref="StagedFile.Commit"/> puts it in place.</summary>
    public async Task<StagedFile> StageAsync(string relative, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var target = PathOf(relative);
        CreateParentOf(target);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.partial-{Environment.ProcessId}");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            return new StagedFile(temp, target);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>A file written and durable under its temporary name; disposed without a commit, it is deleted.</summary>
    public sealed class StagedFile(string temp, string target) : IDisposable
    {
        private bool committed;

        /// <summary>Renames the file into place (replacing what was there).</summary>
        public void Commit()
        {
            File.Move(temp, target, overwrite: true);
            committed = true;
        }

        public void Dispose()
        {
            if (!committed)
            {
                TryDelete(temp);
            }
        }
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
        catch (UnauthorizedAccessException)
        {
        }
    }
}
