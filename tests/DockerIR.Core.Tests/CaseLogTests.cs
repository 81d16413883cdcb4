using System.Text.Json;
using DockerIR.Core.Case;
using Serilog;

namespace DockerIR.Core.Tests;

/// <summary>The tool's own log in the case (CLEF): held until the case is known, after the seal in its own file, folded by the next bundle.</summary>
public sealed class CaseLogTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("dockerir-caselog-tests-").FullName;

    private static ILogger Logger()
    {
        var sink = new CaseLog();
        CaseLog.Current = sink;
        return new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
    }

    private List<string> Templates(string file) =>
        File.ReadAllLines(Path.Combine(root, file)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("@mt").GetString()!).ToList();

    [Fact]
    public void EventsBeforeTheCaseIsKnown_AreWrittenWhenItIs_ThenEveryLaterOne()
    {
        var log = Logger();
        log.Information("Paused {Container}", "abc");

        CaseLog.Attach(root);
        log.Information("Committed {Container} as {ImageId}", "abc", "sha256:1");

        Assert.Equal(["Paused {Container}", "Committed {Container} as {ImageId}"], Templates(CaseLog.FileName));
        var first = JsonDocument.Parse(File.ReadLines(Path.Combine(root, CaseLog.FileName)).First()).RootElement;
        Assert.Equal("abc", first.GetProperty("Container").GetString());
        Assert.True(first.TryGetProperty("@t", out _));
    }

    [Fact]
    public void AfterTheSeal_EventsGoToTheirOwnFile_AndAFoldJoinsThem()
    {
        var log = Logger();
        CaseLog.Attach(root);
        log.Information("before");
        File.WriteAllText(Path.Combine(root, CaseFiles.SumsFile), "");
        log.Information("after");

        Assert.Equal(["before"], Templates(CaseLog.FileName));
        Assert.Equal(["after"], Templates(CaseLog.AfterSealFileName));

        CaseLog.FoldAfterSeal(root);
        Assert.Equal(["before", "after"], Templates(CaseLog.FileName));
        Assert.False(File.Exists(Path.Combine(root, CaseLog.AfterSealFileName)));
    }

    [Fact]
    public void ARemovedCaseIsNotMadeAgain_AndAPlantedLinkIsNotWrittenThrough()
    {
        var log = Logger();
        var gone = Path.Combine(root, "gone");
        CaseLog.Attach(gone);
        log.Information("into nothing");
        Assert.False(Directory.Exists(gone));

        var outside = Path.Combine(root, "outside.txt");
        File.WriteAllText(outside, "keep\n");
        var caseDir = Directory.CreateDirectory(Path.Combine(root, "case")).FullName;
        Directory.CreateDirectory(Path.Combine(caseDir, "logs"));
        File.CreateSymbolicLink(Path.Combine(caseDir, CaseLog.FileName), outside);
        CaseLog.Attach(caseDir);
        log.Information("never through a link");

        Assert.Equal("keep\n", File.ReadAllText(outside));
    }

    [Fact]
    public async Task ParallelTargets_EachLogIntoTheirOwnCaseOnly()
    {
        var log = Logger();
        log.Information("command start");
        var a = Directory.CreateDirectory(Path.Combine(root, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(root, "b")).FullName;

        async Task Target(string caseRoot, string name)
        {
            CaseLog.BeginScope();
            await Task.Yield();
            CaseLog.Attach(caseRoot);
            for (var i = 0; i < 50; i++)
            {
                log.Information("event of {Target}", name);
                await Task.Yield();
            }
        }

        await Task.WhenAll(Target(a, "a"), Target(b, "b"));

        foreach (var (caseRoot, name) in new[] { (a, "a"), (b, "b") })
        {
            var lines = File.ReadAllLines(Path.Combine(caseRoot, CaseLog.FileName)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal("command start", lines[0].GetProperty("@mt").GetString());
            Assert.Equal(50, lines.Count(l => l.TryGetProperty("Target", out var t) && t.GetString() == name));
            Assert.Equal(51, lines.Count);
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
