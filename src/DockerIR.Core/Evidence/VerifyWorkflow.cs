using System.Text;
using DockerIR.Core.Case;
using DockerIR.Core.Formats;
using DockerIR.Core.Platform;

namespace DockerIR.Core.Evidence;

/// <summary>One thing that does not match.</summary>
public sealed record VerifyProblem(string Kind, string Name, string Detail);

/// <summary>What a verification found.</summary>
public sealed record VerifyResult(
    string Location,
    bool Intact,
    bool EvidenceComplete,
    int FilesChecked,
    int MembersChecked,
    string? ArchiveSha256,
    IReadOnlyList<VerifyProblem> Problems,
    IReadOnlyList<string> Notes);

/// <summary>
/// Re-hashes a case or a bundle in one streaming pass: the bundle against its .sha256, every file against
/// SHA256SUMS, and every manifest entry against the member it names inside after.tar/before.tar. It names what
/// is missing, extra or altered.
/// </summary>
public static class VerifyWorkflow
{
    /// <param name="signer">With an allowed_signers file and an identity: the bundle's BUNDLE.sig must be a good SSH
    /// signature by a key that file allows for that identity (as <c>ssh-keygen -Y verify</c> checks it).</param>
    /// <param name="progress">Told each stage and file as it is checked, for a status line.</param>
    public static async Task<VerifyResult> RunAsync(string path, CancellationToken cancellationToken, (string AllowedSigners, string Identity)? signer = null,
        IProgress<string>? progress = null)
    {
        var content = CaseContent.Open(path);
        var state = new State();
        string? archiveSha = null;
        if (signer is not null && !content.IsBundle)
        {
            throw new DockerIRException(FailureKind.Usage, "--signer checks a bundle's signature (BUNDLE.sig): give the bundle, not the case directory");
        }

        if (content.IsBundle)
        {
            // The bundle's own hash first: a damaged archive is named as such even when it cannot be unpacked.
            progress?.Report($"hashing {Path.GetFileName(content.Location)}");
            await using var whole = new FileStream(content.Location, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
            archiveSha = (await HashingStream.HashAsync(whole, cancellationToken)).Sha256;
            CheckArchiveSum(content.Location, archiveSha, state.Problems);
            if (signer is { } s)
            {
                CheckSignature(content.Location, archiveSha, s.AllowedSigners, s.Identity, state);
            }
        }

        try
        {
            await CheckFilesAsync(content, state, progress, cancellationToken);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.VerificationFailed && content.IsBundle)
        {
            state.Problems.Add(new VerifyProblem("corrupted", Path.GetFileName(content.Location), e.Message));
            return new VerifyResult(content.Location, false, false, state.Files, state.Members, archiveSha, state.Problems, state.Notes);
        }

        foreach (var name in (state.Sums ?? []).Keys.Where(n => !state.SeenFiles.Contains(n)))
        {
            state.Problems.Add(new VerifyProblem("missing", name, "listed in SHA256SUMS but not in the case"));
        }

        CheckVolatile(state);
        CheckCustodyChain(state);
        CheckEntriesAgainstChanges(state);
        if (state.Manifest is null)
        {
            state.Problems.Add(new VerifyProblem("missing", Manifest.FileName, "no manifest: the change set was not extracted"));
        }
        else
        {
            foreach (var ((tar, member), record) in state.Expected!)
            {
                if (!state.SeenMembers.Contains((tar, member)))
                {
                    state.Problems.Add(new VerifyProblem("missing", $"{tar}:{SafeText.Escape(member)}", $"the manifest stores an entry here ({record.Type}) but the tar does not hold it"));
                }
            }

            if (!state.Manifest.Complete)
            {
                state.Notes.Add($"the evidence is not complete: the manifest lists {state.Manifest.Gaps.Count} gaps");
            }
        }

        return new VerifyResult(content.Location, state.Problems.Count == 0, state.Manifest?.Complete == true, state.Files, state.Members,
            archiveSha, state.Problems, state.Notes);
    }

    private static async Task CheckFilesAsync(CaseContent content, State state, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await foreach (var file in content.FilesAsync(cancellationToken))
        {
            state.Files++;
            progress?.Report(state.Sums is { } sums
                ? $"checking {state.Files - 1}/{sums.Count}: {SafeText.Escape(file.Name)}"
                : $"checking {SafeText.Escape(file.Name)}");
            state.SeenFiles.Add(file.Name);
            if (file.Name == CaseFiles.SumsFile)
            {
                state.Sums = CaseFiles.ParseSums(await ReadTextAsync(file.Content, 16 << 20, CaseFiles.SumsFile, cancellationToken), "SHA256SUMS");
                state.SumsRead = true;
                continue;
            }

            if (state.Sums is null)
            {
                state.Problems.Add(new VerifyProblem("missing", CaseFiles.SumsFile, "no SHA256SUMS first in the case: it was not bundled (run 'dockerir bundle')"));
                state.Sums = [];
            }

            var isCustody = file.Name == CaseDirectory.CustodyFile;
            var isAfterSeal = file.Name == CaseDirectory.CustodyAfterSealFile && !content.IsBundle;
            await using var hashing = new HashingStream(file.Content, isCustody || isAfterSeal ? MaxCustodyBytes : 0);
            if (file.Name == Manifest.FileName)
            {
                state.Manifest = await ManifestFile.ReadAsync(hashing, Manifest.FileName, cancellationToken);
                state.Expected = ExpectedMembers(state.Manifest);
            }
            else if (file.Name == ProcessesRecord.FileName)
            {
                state.Processes = await ReadProcessesAsync(hashing, state.Problems, cancellationToken);
            }
            else if (file.Name == CaseDirectory.ChangesFile)
            {
                state.ChangePaths = await ReadChangePathsAsync(hashing, state.Problems, cancellationToken);
            }
            else if (file.Name == ProcessesRecord.ProgramsTar)
            {
                state.Programs = await HashTarMembersAsync(file.Name, hashing, state.Problems, cancellationToken);
            }
            else if (state.Expected is not null && file.Name is Manifest.AfterTar or Manifest.BeforeTar)
            {
                state.Members += await CheckTarAsync(file.Name, hashing, state.Expected, state.SeenMembers, state.Problems, cancellationToken);
            }

            await hashing.CopyToAsync(Stream.Null, 1 << 20, cancellationToken);
            var actual = hashing.HashHex();
            state.FileHashes[file.Name] = actual;
            if (isCustody || isAfterSeal)
            {
                state.Custody[file.Name] = hashing.Kept;
            }

            if (CaseFiles.AfterSeal.ContainsKey(file.Name) && !content.IsBundle)
            {
                continue; // written after the seal, never listed in SHA256SUMS (custody's chain is checked below)
            }

            if (!state.Sums.TryGetValue(file.Name, out var want))
            {
                // Every file of a sealed case is listed: one that is not was never checked (an emptied SHA256SUMS
                // must not make everything pass). Without a SHA256SUMS at all, that one problem is already named.
                if (state.SumsRead)
                {
                    state.Problems.Add(new VerifyProblem("extra", file.Name, "not listed in SHA256SUMS"));
                }
            }
            else if (want != actual)
            {
                if (isCustody && hashing.Kept is { } custody && SealedPrefixLines(custody, want) is { } added)
                {
                    state.Notes.Add($"custody.jsonl: the sealed part is intact; {added} {(added == 1 ? "line was" : "lines were")} appended after sealing");
                }
                else
                {
                    state.Problems.Add(new VerifyProblem("altered", file.Name, $"sha256 {actual}, SHA256SUMS says {want}"));
                }
            }
        }
    }

    /// <summary>What one verification has seen so far.</summary>
    private sealed class State
    {
        public List<VerifyProblem> Problems { get; } = [];
        public List<string> Notes { get; } = [];
        public HashSet<string> SeenFiles { get; } = new(StringComparer.Ordinal);
        public HashSet<(string, string)> SeenMembers { get; } = [];
        public Dictionary<string, string>? Sums { get; set; }
        public bool SumsRead { get; set; }
        public Manifest? Manifest { get; set; }
        public Dictionary<(string Tar, string Member), FileRecord>? Expected { get; set; }
        public int Files { get; set; }
        public int Members { get; set; }
        public Dictionary<string, string> FileHashes { get; } = new(StringComparer.Ordinal);
        public ProcessesRecord? Processes { get; set; }
        public Dictionary<string, byte[]?> Custody { get; } = new(StringComparer.Ordinal);
        public HashSet<string>? ChangePaths { get; set; }
        public Dictionary<string, string>? Programs { get; set; }
    }

    /// <summary>The paths of changes.json (the change set the engine reported), or null when it is not readable (a problem named).</summary>
    private static async Task<HashSet<string>?> ReadChangePathsAsync(Stream stream, List<VerifyProblem> problems, CancellationToken cancellationToken)
    {
        try
        {
            var changes = await System.Text.Json.JsonSerializer.DeserializeAsync(CaseContent.Bounded(stream, CaseDirectory.ChangesFile, CaseDirectory.ChangesFile),
                CaseJson.Indented.IReadOnlyListClassifiedChange, cancellationToken);
            return changes is null || changes.Any(c => c is null) ? Unreadable("null") : changes.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        }
        catch (System.Text.Json.JsonException e)
        {
            return Unreadable(e.Message);
        }

        HashSet<string>? Unreadable(string why)
        {
            problems.Add(new VerifyProblem("altered", CaseDirectory.ChangesFile, $"not a readable change set: {why}"));
            return null;
        }
    }

    /// <summary>
    /// Every manifest entry is a change the engine reported (changes.json): an entry of its own (a row a hostile bundle
    /// would add to the timeline and the report) is named.
    /// </summary>
    private static void CheckEntriesAgainstChanges(State state)
    {
        if (state.Manifest is not { } manifest || state.ChangePaths is not { } changes)
        {
            return;
        }

        var foreign = manifest.Entries.Where(e => !changes.Contains(e.Path)).ToList();
        if (foreign.Count > 0)
        {
            state.Problems.Add(new VerifyProblem("extra", $"{Manifest.FileName}:{SafeText.Escape(foreign[0].Path)}",
                $"the manifest has {foreign.Count} {(foreign.Count == 1 ? "entry" : "entries")} the change set (changes.json) does not report"));
        }
    }

    /// <summary>The largest custody log whose chain is checked (a log is kilobytes; past this it is named as unchecked).</summary>
    private const int MaxCustodyBytes = 64 << 20;

    /// <summary>
    /// The custody log's hash chain, over the sealed log and (in a case directory) the lines appended after sealing:
    /// the first line that does not chain to the one before it is named; a sealed log must end with its seal line.
    /// </summary>
    private static void CheckCustodyChain(State state)
    {
        if (!state.Custody.TryGetValue(CaseDirectory.CustodyFile, out var log))
        {
            return; // a missing custody.jsonl is named by the SHA256SUMS check
        }

        var later = state.Custody.GetValueOrDefault(CaseDirectory.CustodyAfterSealFile);
        if (log is null || (state.Custody.ContainsKey(CaseDirectory.CustodyAfterSealFile) && later is null))
        {
            state.Notes.Add($"custody: over {MaxCustodyBytes >> 20} MiB, its hash chain was not checked");
            return;
        }

        var sealedLines = CountLines(log);
        var whole = later is null ? log : [.. log, .. later];
        if (CustodyLog.FirstBrokenLine(whole, out var unchained) is { } broken)
        {
            var (file, line) = broken <= sealedLines ? (CaseDirectory.CustodyFile, broken) : (CaseDirectory.CustodyAfterSealFile, broken - sealedLines);
            state.Problems.Add(new VerifyProblem("chain", $"{file} line {line}",
                "does not chain to the line before it (its prev is not that line's SHA-256): a line was removed, reordered, edited or inserted"));
            return;
        }

        if (unchained == sealedLines + (later is null ? 0 : CountLines(later)))
        {
            state.Notes.Add("custody: the lines are not hash-chained (written by an earlier dockerir)");
            return;
        }

        if (state.SumsRead && LastRecord(log)?.Action != BundleWorkflow.SealAction)
        {
            state.Problems.Add(new VerifyProblem("chain", CaseDirectory.CustodyFile,
                $"the sealed log does not end with its {BundleWorkflow.SealAction} line: lines were removed from its end"));
        }

        if (later is not null)
        {
            var added = CountLines(later);
            state.Notes.Add($"custody: {added} {(added == 1 ? "line was" : "lines were")} appended after sealing ({CaseDirectory.CustodyAfterSealFile}), chained to the seal");
        }
    }

    private static int CountLines(ReadOnlySpan<byte> text)
    {
        var n = 0;
        foreach (var line in text.Split((byte)'\n'))
        {
            if (!text[line].IsEmpty)
            {
                n++;
            }
        }

        return n;
    }

    private static CustodyRecord? LastRecord(byte[] log)
    {
        var end = log.Length > 0 && log[^1] == '\n' ? log.Length - 1 : log.Length;
        var start = log.AsSpan(0, end).LastIndexOf((byte)'\n') + 1;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(log.AsSpan(start, end - start), CaseJson.Compact.CustodyRecord);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The volatile evidence against its record: every program processes.json names is in programs.tar with its
    /// hash, programs.tar holds nothing else, and every memory dump has the hash its record gives.
    /// </summary>
    private static void CheckVolatile(State state)
    {
        if (state.Processes is not { } processes)
        {
            return;
        }

        var programs = state.Programs ?? [];
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var program in processes.Programs.Where(p => p.Member is not null))
        {
            named.Add(program.Member!);
            if (state.Programs is null)
            {
                state.Problems.Add(new VerifyProblem("missing", ProcessesRecord.ProgramsTar, "processes.json names stored programs but the case has no programs.tar"));
                break;
            }

            if (!programs.TryGetValue(program.Member!, out var sha))
            {
                state.Problems.Add(new VerifyProblem("missing", $"{ProcessesRecord.ProgramsTar}:{SafeText.Escape(program.Member!)}", $"the program of {SafeText.Escape(string.Join(", ", program.Paths))} is not in the tar"));
            }
            else if (sha != program.Sha256)
            {
                state.Problems.Add(new VerifyProblem("altered", $"{ProcessesRecord.ProgramsTar}:{SafeText.Escape(program.Member!)}", $"sha256 {sha}, processes.json says {program.Sha256}"));
            }
        }

        foreach (var extra in programs.Keys.Where(m => !named.Contains(m)))
        {
            state.Problems.Add(new VerifyProblem("extra", $"{ProcessesRecord.ProgramsTar}:{SafeText.Escape(extra)}", "the tar holds a program processes.json does not name"));
        }

        foreach (var dump in processes.Memory)
        {
            if (!state.FileHashes.TryGetValue(dump.File, out var sha))
            {
                state.Problems.Add(new VerifyProblem("missing", SafeText.Escape(dump.File), $"the memory dump of pid {dump.HostPid} is not in the case"));
            }
            else if (sha != dump.Sha256)
            {
                state.Problems.Add(new VerifyProblem("altered", SafeText.Escape(dump.File), $"sha256 {sha}, processes.json says {dump.Sha256}"));
            }
        }
    }

    private static async Task<ProcessesRecord?> ReadProcessesAsync(Stream stream, List<VerifyProblem> problems, CancellationToken cancellationToken)
    {
        try
        {
            return await System.Text.Json.JsonSerializer.DeserializeAsync(CaseContent.Bounded(stream, ProcessesRecord.FileName, ProcessesRecord.FileName),
                CaseJson.Indented.ProcessesRecord, cancellationToken);
        }
        catch (System.Text.Json.JsonException e)
        {
            problems.Add(new VerifyProblem("altered", ProcessesRecord.FileName, $"not a readable record: {e.Message}"));
            return null;
        }
    }

    /// <summary>The SHA-256 of every file member of a tar, by member name (a name twice is a problem).</summary>
    private static async Task<Dictionary<string, string>> HashTarMembersAsync(string tarName, Stream tarStream, List<VerifyProblem> problems, CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new TarStreamReader(tarStream);
        try
        {
            while (await reader.NextAsync(cancellationToken) is { } item)
            {
                var (sha, _) = await HashingStream.HashAsync(item.Data, cancellationToken);
                if (!hashes.TryAdd(item.Name, sha))
                {
                    problems.Add(new VerifyProblem("extra", $"{tarName}:{SafeText.Escape(item.Name)}", "the tar holds this member twice"));
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            problems.Add(new VerifyProblem("altered", tarName, $"not a readable tar: {e.Message}"));
        }

        return hashes;
    }

    private static Dictionary<(string, string), FileRecord> ExpectedMembers(Manifest manifest)
    {
        var expected = new Dictionary<(string, string), FileRecord>();
        var records = manifest.Entries.SelectMany(e => new[] { e.After, e.Before }).Concat(manifest.DeletedContents.Select(d => d.Before));
        foreach (var r in records)
        {
            if (r?.Tar is { } tar && r.Member is { } member)
            {
                if (tar is not (Manifest.AfterTar or Manifest.BeforeTar) || !expected.TryAdd((tar, member), r))
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"the manifest names {SafeText.Escape(tar)}:{SafeText.Escape(member)} twice or in an unknown tar");
                }
            }
        }

        return expected;
    }

    private static async Task<int> CheckTarAsync(string tarName, Stream tarStream, Dictionary<(string, string), FileRecord> expected,
        HashSet<(string, string)> seen, List<VerifyProblem> problems, CancellationToken cancellationToken)
    {
        var checkedMembers = 0;
        using var reader = new TarStreamReader(tarStream);
        try
        {
            while (await reader.NextAsync(cancellationToken) is { } item)
            {
                var member = item.Type == TarItemType.Directory ? item.Name.TrimEnd('/') : item.Name;
                var key = (tarName, member);
                checkedMembers++;
                if (!seen.Add(key))
                {
                    problems.Add(new VerifyProblem("extra", $"{tarName}:{SafeText.Escape(member)}", "the tar holds this member twice"));
                    continue;
                }

                if (!expected.TryGetValue(key, out var record))
                {
                    problems.Add(new VerifyProblem("extra", $"{tarName}:{SafeText.Escape(member)}", "the tar holds a member the manifest does not name"));
                    continue;
                }

                if (item.Type == TarItemType.File && record.Sha256 is { } want)
                {
                    var (actual, bytes) = await HashingStream.HashAsync(item.Data, cancellationToken);
                    if (actual != want || (record.Size is { } size && size != bytes))
                    {
                        problems.Add(new VerifyProblem("altered", $"{tarName}:{SafeText.Escape(member)}", $"sha256 {actual} ({bytes} bytes), the manifest says {want} ({record.Size} bytes)"));
                    }
                }
                else if (TypeOf(item.Type) != record.Type)
                {
                    problems.Add(new VerifyProblem("altered", $"{tarName}:{SafeText.Escape(member)}", $"a {TypeOf(item.Type)} in the tar, a {record.Type} in the manifest"));
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            problems.Add(new VerifyProblem("altered", tarName, $"not a readable tar: {e.Message}"));
        }

        return checkedMembers;
    }

    private static string TypeOf(TarItemType type) => type switch
    {
        TarItemType.File => "file",
        TarItemType.Directory => "directory",
        TarItemType.Symlink => "symlink",
        TarItemType.HardLink => "hardLink",
        TarItemType.CharDevice => "charDevice",
        TarItemType.BlockDevice => "blockDevice",
        TarItemType.Fifo => "fifo",
        _ => "other",
    };

    /// <summary>When a prefix of the custody log (at a line end) has the sealed hash: how many lines came after it.</summary>
    private static int? SealedPrefixLines(byte[] custody, string sealedSha)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        for (var end = custody.Length - 1; end >= 0; end--)
        {
            if (custody[end] != '\n' || end == custody.Length - 1)
            {
                continue;
            }

            if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(custody.AsSpan(0, end + 1))) == sealedSha)
            {
                return custody.AsSpan(end + 1).Count((byte)'\n');
            }
        }

        return null;
    }

    /// <summary>The bundle's SSH signature (BUNDLE.sig) against an allowed_signers file, for one identity.</summary>
    private static void CheckSignature(string bundle, string sha256, string allowedSigners, string identity, State state)
    {
        var sig = bundle + ".sig";
        var armored = ReadSmallFile(sig, state.Problems, "no .sig beside the bundle: it was not signed (bundle --sign KEY)");
        var allowed = ReadSmallFile(allowedSigners, state.Problems, "the allowed_signers file does not exist");
        if (armored is null || allowed is null)
        {
            return;
        }

        byte[] Digest(string algorithm)
        {
            if (algorithm == "sha256")
            {
                return Convert.FromHexString(sha256);
            }

            using var stream = new FileStream(bundle, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            return System.Security.Cryptography.SHA512.HashData(stream);
        }

        var check = SshSignature.Verify(armored, Digest, allowed, identity, SshSignature.BundleNamespace);
        if (check.Valid)
        {
            state.Notes.Add($"signature: {check.Detail}");
        }
        else
        {
            state.Problems.Add(new VerifyProblem("signature", Path.GetFileName(sig), check.Detail));
        }
    }

    /// <summary>A small text file (a signature, an allowed_signers list) read as a regular file, at most 1 MiB; null (and a problem) when it cannot be.</summary>
    private static string? ReadSmallFile(string path, List<VerifyProblem> problems, string missing)
    {
        if (Native.LStat(path) is null && !File.Exists(path))
        {
            problems.Add(new VerifyProblem("missing", Path.GetFileName(path), missing));
            return null;
        }

        try
        {
            if (Native.ReadSmallRegularFile(path, 1 << 20, followLink: true) is not { } bytes)
            {
                problems.Add(new VerifyProblem("altered", Path.GetFileName(path), "larger than 1 MiB"));
                return null;
            }

            return Encoding.UTF8.GetString(bytes);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.VerificationFailed)
        {
            problems.Add(new VerifyProblem("altered", Path.GetFileName(path), e.Message));
            return null;
        }
    }

    private static void CheckArchiveSum(string bundle, string actual, List<VerifyProblem> problems)
    {
        var sumFile = Path.GetFileName(bundle + ".sha256");
        var (want, problem, missing) = CaseContent.ArchiveSum(bundle);
        if (want is null)
        {
            problems.Add(new VerifyProblem(missing ? "missing" : "altered", sumFile, problem!));
        }
        else if (want != actual)
        {
            problems.Add(new VerifyProblem("altered", Path.GetFileName(bundle), $"sha256 {actual}, {sumFile} says {want}"));
        }
    }

    private static async Task<string> ReadTextAsync(Stream stream, int max, string name, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max)
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"{name} is implausibly large");
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
