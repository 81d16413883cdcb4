using System.Text;
using System.Text.Json;

namespace DockerIR.Core.Case;

/// <summary>Who is acting: recorded on every custody line.</summary>
public sealed record Actor(string Operator, string Host, string ToolVersion)
{
    /// <summary>The operator from DOCKERIR_OPERATOR (or the OS user), this host's name, and the tool's version.</summary>
    public static Actor FromEnvironment(string toolVersion)
    {
        var op = Environment.GetEnvironmentVariable("DOCKERIR_OPERATOR");
        return new Actor(string.IsNullOrWhiteSpace(op) ? Environment.UserName : op.Trim(), Environment.MachineName, toolVersion);
    }
}

/// <summary>Outcome of one custody action.</summary>
public enum CustodyOutcome
{
    Started,
    Succeeded,
    Failed,
    Skipped,
    Interrupted,
}

/// <summary>One line of custody.jsonl.</summary>
public sealed record CustodyRecord(
    DateTimeOffset TimeUtc,
    string Operator,
    string Host,
    string ToolVersion,
    string CaseId,
    string Action,
    string Target,
    CustodyOutcome Outcome,
    string? Detail,
    string? Prev = null);

/// <summary>
/// The append-only chain-of-custody log of a case: one JSON object per line, each appended with a single
/// write and flushed to disk before the action it records is considered done. Every line carries in "prev" the
/// SHA-256 of the line before it (the first line: of the case id and its own time, <see cref="Genesis"/>), so a
/// removed, reordered or edited line breaks the chain at the next one. Once the case is sealed (SHA256SUMS
/// written), lines go to custody-after-seal.jsonl, continuing the chain, so the sealed log still checks with
/// `sha256sum -c`; the next bundle folds them in before it seals again.
/// </summary>
public sealed class CustodyLog(string path, string caseId, Actor actor, TimeProvider clock)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The longest custody line the chain reads back (a line is a few hundred bytes; details are clipped long before this).</summary>
    private const int MaxLineBytes = 1 << 20;

    public string Path { get; } = AttachCaseLog(path);

    /// <summary>A command that keeps custody writes to the case: its own log events go there too (<see cref="CaseLog"/>).</summary>
    private static string AttachCaseLog(string custodyPath)
    {
        CaseLog.Attach(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(custodyPath))!);
        return custodyPath;
    }

    /// <summary>Where lines appended after sealing go, beside <see cref="Path"/>.</summary>
    public string AfterSealPath => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, CaseDirectory.CustodyAfterSealFile);

    /// <summary>The "prev" of a log's first line: the SHA-256 of its case id and its time (ISO 8601, as "O" formats it).</summary>
    public static string Genesis(string caseId, DateTimeOffset timeUtc) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{caseId}\n{timeUtc.ToUniversalTime():O}")));

    /// <summary>The hash a line's successor carries in "prev": the SHA-256 of the line's bytes, without its newline.</summary>
    public static string LineHash(ReadOnlySpan<byte> line) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(line));

    public async Task AppendAsync(string action, string target, CustodyOutcome outcome, string? detail, CancellationToken cancellationToken)
    {
        await FaultPoints.HitAsync(FaultPoints.CustodyBefore, cancellationToken);
        // One line at a time: steps of one run may append at once (the preflight runs while the commit does).
        await Gate.WaitAsync(cancellationToken);
        try
        {
            var file = CaseFiles.AppendTarget(System.IO.Path.GetDirectoryName(Path)!, CaseDirectory.CustodyFile);
            var previous = (file != Path ? LastLine(file) : null) ?? LastLine(Path);
            var now = clock.GetUtcNow();
            var record = new CustodyRecord(now, actor.Operator, actor.Host, actor.ToolVersion, caseId, action, target, outcome, detail,
                previous is null ? Genesis(caseId, now) : LineHash(previous));
            var line = JsonSerializer.SerializeToUtf8Bytes(record, CaseJson.Compact.CustodyRecord);
            var buffer = new byte[line.Length + 1];
            line.CopyTo(buffer, 0);
            buffer[^1] = (byte)'\n';
            await using var stream = new FileStream(file, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                Options = FileOptions.WriteThrough,
                BufferSize = 0, // straight to the file: a failed write leaves nothing buffered to be written at dispose
            });
            var start = stream.Position;
            try
            {
                await stream.WriteAsync(buffer, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // A line cut short (the disk filled in the middle of it) would damage the whole log: take it back.
                TryCut(stream, start);
                throw;
            }
        }
        finally
        {
            Gate.Release();
        }

        await FaultPoints.HitAsync(FaultPoints.CustodyAfter, cancellationToken);
    }

    /// <summary>
    /// Moves the lines appended after the last seal into the log itself (they are chained already) and removes their
    /// file: the bundle does this before it seals the case again, so one log holds the whole chain.
    /// </summary>
    public async Task FoldAfterSealAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            CaseFiles.FoldAfterSeal(System.IO.Path.GetDirectoryName(Path)!, CaseDirectory.CustodyAfterSealFile);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The last complete line of a log (without its newline), or null when the file is absent or empty.</summary>
    private static byte[]? LastLine(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        using (stream)
        {
            var length = stream.Length;
            if (length == 0)
            {
                return null;
            }

            // Back from the end, a chunk at a time, to the newline before the last line.
            var take = (int)Math.Min(length, 4096);
            while (true)
            {
                var buffer = new byte[take];
                stream.Position = length - take;
                stream.ReadExactly(buffer);
                var end = buffer[^1] == '\n' ? take - 1 : take;
                var start = buffer.AsSpan(0, end).LastIndexOf((byte)'\n');
                if (start >= 0 || take == length)
                {
                    return buffer[(start + 1)..end];
                }

                if (take >= MaxLineBytes)
                {
                    throw new DockerIRException(FailureKind.VerificationFailed, $"custody log {path} ends with a line over {MaxLineBytes} bytes, which dockerir never writes");
                }

                take = (int)Math.Min(length, (long)take * 4);
            }
        }
    }

    private static void TryCut(FileStream stream, long length)
    {
        try
        {
            stream.SetLength(length);
        }
        catch (IOException)
        {
            // Nothing more can be done; the reader names the damaged line.
        }
    }

    /// <summary>Reads every record of a custody log, with the lines appended after sealing (for resumes and reports).</summary>
    public static async Task<IReadOnlyList<CustodyRecord>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var later = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, CaseDirectory.CustodyAfterSealFile);
        var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        return Parse(File.Exists(later) ? text + await File.ReadAllTextAsync(later, Encoding.UTF8, cancellationToken) : text, path);
    }

    /// <summary>
    /// Checks the chain over a log's bytes (the sealed log, then the lines after sealing): the 1-based number of the
    /// first line whose "prev" is not the hash of the line before it (or, for the first line, not its genesis), or
    /// null when the chain holds. Lines before the first that carries "prev" were written by a dockerir without the
    /// chain; <paramref name="unchained"/> counts them, and once a line carries it, every later one must.
    /// </summary>
    public static int? FirstBrokenLine(ReadOnlySpan<byte> log, out int unchained)
    {
        unchained = 0;
        string? previousHash = null;
        var chained = false;
        var number = 0;
        while (log.Length > 0)
        {
            var newline = log.IndexOf((byte)'\n');
            var line = newline < 0 ? log : log[..newline];
            log = newline < 0 ? [] : log[(newline + 1)..];
            if (line.Length == 0)
            {
                continue;
            }

            number++;
            CustodyRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(line, CaseJson.Compact.CustodyRecord);
            }
            catch (JsonException)
            {
                return number;
            }

            if (record is null)
            {
                return number;
            }

            if (record.Prev is null)
            {
                if (chained)
                {
                    return number;
                }

                unchained++;
            }
            else
            {
                // The first chained line after unchained ones (an older dockerir began the case) chains to the last of them.
                var want = previousHash ?? Genesis(record.CaseId, record.TimeUtc);
                chained = true;
                if (record.Prev != want)
                {
                    return number;
                }
            }

            previousHash = LineHash(line);
        }

        return null;
    }

    /// <summary>The records of a custody log's text; a damaged line is a verification failure naming <paramref name="what"/>.</summary>
    public static IReadOnlyList<CustodyRecord> Parse(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<CustodyRecord>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                records.Add(JsonSerializer.Deserialize(line, CaseJson.Compact.CustodyRecord)
                    ?? throw new DockerIRException(FailureKind.VerificationFailed, $"custody log {what} holds an empty record"));
            }
            catch (JsonException e)
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"custody log {what} holds a damaged line: {e.Message}", e);
            }
        }

        return records;
    }
}
