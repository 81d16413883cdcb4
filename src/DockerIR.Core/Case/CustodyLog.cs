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
    string? Detail);

/// <summary>
/// The append-only chain-of-custody log of a case: one JSON object per line, each appended with a single
/// write and flushed to disk before the action it records is considered done.
/// </summary>
public sealed class CustodyLog(string path, string caseId, Actor actor, TimeProvider clock)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public string Path { get; } = path;

    public async Task AppendAsync(string action, string target, CustodyOutcome outcome, string? detail, CancellationToken cancellationToken)
    {
        var record = new CustodyRecord(clock.GetUtcNow(), actor.Operator, actor.Host, actor.ToolVersion, caseId, action, target, outcome, detail);
        var line = JsonSerializer.SerializeToUtf8Bytes(record, CoreJsonContext.Compact.CustodyRecord);
        var buffer = new byte[line.Length + 1];
        line.CopyTo(buffer, 0);
        buffer[^1] = (byte)'\n';
        await FaultPoints.HitAsync(FaultPoints.CustodyBefore, cancellationToken);
        // One line at a time: steps of one run may append at once (the preflight runs while the commit does).
        await Gate.WaitAsync(cancellationToken);
        try
        {
            await using var stream = new FileStream(Path, new FileStreamOptions
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

    /// <summary>Reads every record of a custody log (for verification and reports).</summary>
    public static async Task<IReadOnlyList<CustodyRecord>> ReadAsync(string path, CancellationToken cancellationToken) =>
        Parse(await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken), path);

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
                records.Add(JsonSerializer.Deserialize(line, CoreJsonContext.Compact.CustodyRecord)
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
