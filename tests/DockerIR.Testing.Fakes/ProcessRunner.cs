using System.Diagnostics;

namespace DockerIR.Testing;

/// <summary>What a finished process printed and returned.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs external programs (the built dockerir, the docker CLI) with a time limit and no stdin.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> args, IDictionary<string, string?>? env = null,
        string? workingDirectory = null, TimeSpan? timeout = null, string? stdinFile = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        if (stdinFile is not null)
        {
            await using var input = File.OpenRead(stdinFile);
            await input.CopyToAsync(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in time");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Runs the dockerir built next to the test assembly (referenced by the test project). The write-profile cache is
    /// off unless <paramref name="env"/> names one, so every test's redeploy runs its own profiling canary.
    /// </summary>
    public static Task<ProcessResult> DockerIRAsync(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var withCache = new Dictionary<string, string?>(env ?? new Dictionary<string, string?>());
        withCache.TryAdd("DOCKERIR_CACHE_DIR", "off");
        return RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "dockerir.dll"), .. args], withCache, workingDirectory, timeout);
    }

    /// <summary>Runs the docker CLI, an oracle independent of our client.</summary>
    public static Task<ProcessResult> DockerAsync(params string[] args) => RunAsync("docker", args);
}
