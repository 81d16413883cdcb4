using DockerIR.Core.Case;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Evidence;

/// <summary>What 'dockerir show CASE --process PID' prints: one process and what it held.</summary>
public sealed record ProcessView(ProcessRecord Process, ProgramRecord? Program, IReadOnlyList<SocketRecord> Sockets, MemoryDumpRecord? Memory);

/// <summary>
/// Finds one stored entry of a case or bundle by its container path and streams its content, checking it
/// against the manifest's hash as it goes, so an analyst reads shell.php without unpacking anything to disk.
/// </summary>
public static class ShowWorkflow
{
    /// <summary>
    /// One process of a case's volatile capture: its record, the program behind it, the sockets it holds and its
    /// memory dump. <paramref name="pid"/> is a host pid, or else a pid inside the container.
    /// </summary>
    public static async Task<ProcessView> FindProcessAsync(string caseOrBundle, int pid, CancellationToken cancellationToken)
    {
        var content = CaseContent.Open(caseOrBundle);
        var files = await content.ReadRecordsAsync([ProcessesRecord.FileName, ProcessesRecord.SocketsFile], cancellationToken);
        if (!files.TryGetValue(ProcessesRecord.FileName, out var bytes))
        {
            throw new DockerIRException(FailureKind.NotFound, $"{content.Location} has no {ProcessesRecord.FileName}: its snapshot did not read processes from the host");
        }

        var processes = Parse(bytes, content.Location, ProcessesRecord.FileName, CaseJson.Indented.ProcessesRecord);
        var sockets = files.TryGetValue(ProcessesRecord.SocketsFile, out var s) ? Parse(s, content.Location, ProcessesRecord.SocketsFile, CaseJson.Indented.SocketsRecord) : null;
        var process = processes.Processes.FirstOrDefault(p => p.HostPid == pid) ?? processes.Processes.FirstOrDefault(p => p.ContainerPid == pid)
            ?? throw new DockerIRException(FailureKind.NotFound, processes.Processes.Count == 0
                ? $"{content.Location} holds no processes{(processes.Gaps.Count > 0 ? ": " + SafeText.Escape(processes.Gaps[0]) : "")}"
                : $"{content.Location} has no process {pid}; it has host pids {string.Join(", ", processes.Processes.Select(p => p.HostPid))}");
        return new ProcessView(
            process,
            processes.Programs.FirstOrDefault(p => p.Sha256 == process.ProgramSha256 && p.HostPids.Contains(process.HostPid)),
            (sockets?.Sockets ?? []).Where(x => x.Holders.Any(h => h.HostPid == process.HostPid)).ToList(),
            processes.Memory.FirstOrDefault(m => m.HostPid == process.HostPid));
    }

    private static T Parse<T>(byte[] bytes, string location, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        CaseContent.ParseRecord(bytes, location, name, type) ?? throw new DockerIRException(FailureKind.VerificationFailed, $"{location}: {name} is empty");

    /// <summary>The record of a path (after side, or the original with <paramref name="before"/>) and the manifest entry it belongs to.</summary>
    public static async Task<(FileRecord Record, Manifest Manifest)> FindAsync(string caseOrBundle, string path, bool before, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var content = CaseContent.Open(caseOrBundle);
        await foreach (var file in content.FilesAsync(cancellationToken))
        {
            if (file.Name == Manifest.FileName)
            {
                var manifest = await ManifestFile.ReadAsync(file.Content, Manifest.FileName, cancellationToken);
                return (Lookup(manifest, Normalize(path), before), manifest);
            }
        }

        throw new DockerIRException(FailureKind.NotFound, $"{content.Location} has no manifest: extract the case first ('dockerir extract')");
    }

    /// <summary>Streams the stored content of a regular file to <paramref name="destination"/>; throws when its hash does not match.</summary>
    public static async Task<long> CopyAsync(string caseOrBundle, FileRecord record, Manifest manifest, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(destination);
        if (record.Type is not ("file" or "hardLink"))
        {
            throw new DockerIRException(FailureKind.Usage, $"it is a {record.Type}{(record.LinkTarget is { } t ? $" to {SafeText.Escape(t)}" : "")}, with no content to show; use --stat");
        }

        if (record.Member is null || record.Tar is null)
        {
            throw new DockerIRException(FailureKind.NotFound, $"its content is not stored: {record.NotStored}");
        }

        if (record.Tar is not (Manifest.AfterTar or Manifest.BeforeTar))
        {
            throw new DockerIRException(FailureKind.VerificationFailed,
                $"the manifest stores this entry in '{SafeText.Escape(record.Tar)}', which is not one of the case's evidence tars ({Manifest.AfterTar}, {Manifest.BeforeTar}); 'dockerir verify' names what else is wrong");
        }

        // A hard link's data lives in the member it links to.
        var member = record.Type == "hardLink" && record.LinkTarget is { } target ? target.TrimStart('/') : record.Member;
        var content = CaseContent.Open(caseOrBundle);
        await foreach (var file in content.FilesAsync(cancellationToken))
        {
            if (file.Name != record.Tar)
            {
                continue;
            }

            try
            {
                using var reader = new TarStreamReader(file.Content);
                while (await reader.NextAsync(cancellationToken) is { } item)
                {
                    if (item.Name != member || item.Type != TarItemType.File)
                    {
                        continue;
                    }

                    await using var hashing = new HashingStream(item.Data);
                    if (item.Size <= CheckedBeforeShownBytes)
                    {
                        // Checked before a byte is shown: altered content never reaches the reader's screen or pipe.
                        using var held = new MemoryStream((int)item.Size);
                        await hashing.CopyToAsync(held, 1 << 16, cancellationToken);
                        Mismatch(hashing, record);
                        held.Position = 0;
                        await held.CopyToAsync(destination, 1 << 16, cancellationToken);
                        await destination.FlushAsync(cancellationToken);
                        return hashing.BytesRead;
                    }

                    // Too large to hold: streamed, and a mismatch found at the end fails the command (exit 7) after the fact.
                    await hashing.CopyToAsync(destination, 1 << 16, cancellationToken);
                    await destination.FlushAsync(cancellationToken);
                    Mismatch(hashing, record, shown: true);
                    return hashing.BytesRead;
                }
            }
            catch (InvalidDataException e)
            {
                // A damaged evidence tar (a bad header, a member cut short) is damaged evidence, not a fault of ours.
                throw new DockerIRException(FailureKind.VerificationFailed, $"{record.Tar} is corrupted: {e.Message}; 'dockerir verify' names what else is wrong", e);
            }

            break;
        }

        throw new DockerIRException(FailureKind.VerificationFailed, $"the manifest stores it as {record.Tar}:{SafeText.Escape(member)}, which is missing: the case was altered");
    }

    /// <summary>The largest stored file checked against its hash before any of it is shown (larger ones stream).</summary>
    public const long CheckedBeforeShownBytes = 64L << 20;

    private static void Mismatch(HashingStream hashing, FileRecord record, bool shown = false)
    {
        if (hashing.HashHex() != record.Sha256)
        {
            throw new DockerIRException(FailureKind.VerificationFailed,
                $"the stored content does not match the manifest's sha256 (got {hashing.HashHex()}): the case was altered"
                + (shown ? $"; the {hashing.BytesRead} bytes already written are NOT the evidence" : "; nothing was shown"));
        }
    }

    private static FileRecord Lookup(Manifest manifest, string path, bool before)
    {
        var entry = manifest.Entries.FirstOrDefault(e => e.Path == path);
        var record = entry is null
            ? (before ? manifest.DeletedContents.FirstOrDefault(d => d.Path == path)?.Before : null)
            : before ? entry.Before : entry.After;
        if (record is null)
        {
            var side = before ? "an original" : "an added or changed entry";
            var hint = entry is null ? "it is not in the change set" : before ? "it was added, so there is no original" : "it was deleted: use --before for its original";
            throw new DockerIRException(FailureKind.NotFound, $"{SafeText.Escape(path)} is not {side} of this case ({hint})");
        }

        return record;
    }

    private static string Normalize(string path) => "/" + path.Trim().Trim('/');
}
