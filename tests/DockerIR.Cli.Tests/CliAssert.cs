using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

internal static class CliAssert
{
    /// <summary>An expected failure: the documented exit code and exactly one line on stderr, no stack trace.</summary>
    public static string OneLineError(ProcessResult result, ExitCode expected)
    {
        Assert.True((int)expected == result.ExitCode, $"exit {result.ExitCode}, expected {(int)expected}; stderr: {result.StdErr}");
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("dockerir: error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StdErr, StringComparison.Ordinal);
        return line;
    }

    public static void Success(ProcessResult result) =>
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\nstdout: {result.StdOut}\nstderr: {result.StdErr}");
}
