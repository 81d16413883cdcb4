using System.Text;
using DockerIR.Core.Case;

namespace DockerIR.Core.Tests;

/// <summary>The custody log's hash chain: every line names the SHA-256 of the one before it, across the seal.</summary>
public sealed class CustodyChainTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dockerir-custody-tests-").FullName;

    private CustodyLog Log() => new(Path.Combine(dir, CaseDirectory.CustodyFile), "20261204-000000-abcd", new Actor("op", "host", "1.0"), TimeProvider.System);

    private async Task<byte[]> WriteAsync(int lines)
    {
        var log = Log();
        for (var i = 0; i < lines; i++)
        {
            await log.AppendAsync($"step.{i}", "web", CustodyOutcome.Succeeded, $"line {i + 1}", CancellationToken.None);
        }

        return await File.ReadAllBytesAsync(log.Path);
    }

    private static byte[] Lines(byte[] log, Func<List<string>, IEnumerable<string>> change) =>
        Encoding.UTF8.GetBytes(string.Join('\n', change(Encoding.UTF8.GetString(log).TrimEnd('\n').Split('\n').ToList())) + "\n");

    [Fact]
    public async Task AnUntouchedLog_Chains_FromItsGenesis()
    {
        var log = await WriteAsync(5);

        Assert.Null(CustodyLog.FirstBrokenLine(log, out var unchained));
        Assert.Equal(0, unchained);
        var first = CustodyLog.Parse(Encoding.UTF8.GetString(log), "t")[0];
        Assert.Equal(CustodyLog.Genesis(first.CaseId, first.TimeUtc), first.Prev);
    }

    [Fact]
    public async Task EditingRemovingReorderingOrInsertingALine_BreaksTheChainAtTheNextLine()
    {
        var log = await WriteAsync(6);

        Assert.Equal(4, CustodyLog.FirstBrokenLine(Lines(log, l => l.Select((x, i) => i == 2 ? x.Replace("line 3", "line three", StringComparison.Ordinal) : x)), out _));
        Assert.Equal(3, CustodyLog.FirstBrokenLine(Lines(log, l => l.Where((_, i) => i != 2)), out _));
        Assert.Equal(3, CustodyLog.FirstBrokenLine(Lines(log, l => [l[0], l[1], l[3], l[2], l[4], l[5]]), out _));
        Assert.Equal(1, CustodyLog.FirstBrokenLine(Lines(log, l => l.Skip(1)), out _));
        Assert.Equal(3, CustodyLog.FirstBrokenLine(Lines(log, l => [l[0], l[1], l[1], .. l.Skip(2)]), out _));
        Assert.Equal(2, CustodyLog.FirstBrokenLine(Lines(log, l => [l[0], "{not json", .. l.Skip(1)]), out _));
    }

    [Fact]
    public async Task AfterTheSeal_LinesGoToTheirOwnFileChainedToIt_AndAFoldJoinsThem()
    {
        var log = Log();
        await WriteAsync(3);
        var sealedBytes = await File.ReadAllBytesAsync(log.Path);
        await File.WriteAllTextAsync(Path.Combine(dir, CaseFiles.SumsFile), "sealed\n");

        await log.AppendAsync("container.kill", "web", CustodyOutcome.Succeeded, null, CancellationToken.None);
        await log.AppendAsync("container.start", "web", CustodyOutcome.Succeeded, null, CancellationToken.None);

        Assert.Equal(sealedBytes, await File.ReadAllBytesAsync(log.Path));
        var later = await File.ReadAllBytesAsync(log.AfterSealPath);
        Assert.Null(CustodyLog.FirstBrokenLine([.. sealedBytes, .. later], out _));
        Assert.Equal(1, CustodyLog.FirstBrokenLine(later, out _));
        Assert.Equal(["step.0", "step.1", "step.2", "container.kill", "container.start"], (await CustodyLog.ReadAsync(log.Path, CancellationToken.None)).Select(r => r.Action));

        File.Delete(Path.Combine(dir, CaseFiles.SumsFile));
        await log.FoldAfterSealAsync(CancellationToken.None);
        await log.AppendAsync("bundle.seal", "web", CustodyOutcome.Succeeded, null, CancellationToken.None);

        Assert.False(File.Exists(log.AfterSealPath));
        var whole = await File.ReadAllBytesAsync(log.Path);
        Assert.Null(CustodyLog.FirstBrokenLine(whole, out _));
        Assert.Equal(6, CustodyLog.Parse(Encoding.UTF8.GetString(whole), "t").Count);
    }

    [Fact]
    public async Task LinesOfAnEarlierDockerirWithoutTheChain_AreCounted_AndTheChainContinuesFromThem()
    {
        var legacy = "{\"timeUtc\":\"2026-01-01T00:00:00+00:00\",\"operator\":\"op\",\"host\":\"h\",\"toolVersion\":\"0.0.9\",\"caseId\":\"20261204-000000-abcd\",\"action\":\"case.open\",\"target\":\"web\",\"outcome\":\"succeeded\",\"detail\":null}\n";
        await File.WriteAllTextAsync(Log().Path, legacy + legacy);
        await Log().AppendAsync("extract", "web", CustodyOutcome.Succeeded, null, CancellationToken.None);

        var log = await File.ReadAllBytesAsync(Log().Path);
        Assert.Null(CustodyLog.FirstBrokenLine(log, out var unchained));
        Assert.Equal(2, unchained);
        // Once a line is chained, a later line without "prev" is a break.
        Assert.Equal(4, CustodyLog.FirstBrokenLine([.. log, .. Encoding.UTF8.GetBytes(legacy)], out _));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
