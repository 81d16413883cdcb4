using System.Net.Sockets;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Redeploy;

/// <summary>The outcome of one probe of the replacement.</summary>
public sealed record ProbeResult(string Probe, bool Passed, string Detail, double Seconds);

/// <summary>
/// Checks a started replacement: its healthcheck, an HTTP URL (2xx or 3xx), a TCP port, or staying up. Every
/// probe fails at once when the container stops, and says what it last saw.
/// </summary>
public sealed class ReplacementProbe(IContainerEngine engine, HttpClient http)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs the probes in order, recording each, and stops at the first that fails.</summary>
    public async Task<List<ProbeResult>> RunAllAsync(string containerId, IReadOnlyList<ProbeSpec> probes, IProgress<string>? progress,
        Func<ProbeResult, Task> record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(record);
        var results = new List<ProbeResult>();
        foreach (var probe in probes)
        {
            progress?.Report($"probe {probe}");
            var result = await RunAsync(containerId, probe, cancellationToken);
            results.Add(result);
            await record(result);
            if (!result.Passed)
            {
                break;
            }
        }

        return results;
    }

    public async Task<ProbeResult> RunAsync(string containerId, ProbeSpec probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var deadline = probe.Kind == ProbeKind.StayUp ? ProbeSpec.StayUpTime : probe.Timeout;
        var last = "no answer yet";
        var started = (await engine.InspectContainerAsync(containerId, cancellationToken)).State.StartedAt;
        while (true)
        {
            var state = (await engine.InspectContainerAsync(containerId, cancellationToken)).State;
            if (!state.Running || state.Restarting || state.StartedAt != started)
            {
                return Done(false, $"the container {(state.Restarting || state.StartedAt != started ? "restarted" : $"stopped (exit code {state.ExitCode})")}; last probe: {last}");
            }

            switch (probe.Kind)
            {
                case ProbeKind.StayUp when watch.Elapsed >= ProbeSpec.StayUpTime:
                    return Done(true, $"running for {ProbeSpec.StayUpTime.TotalSeconds:0} s");
                case ProbeKind.Healthcheck:
                    last = $"health {state.HealthStatus ?? "not reported"}";
                    if (state.HealthStatus == "healthy")
                    {
                        return Done(true, "healthcheck reports healthy");
                    }

                    if (state.HealthStatus == "unhealthy")
                    {
                        return Done(false, "healthcheck reports unhealthy");
                    }

                    break;
                case ProbeKind.Http:
                    (var ok, last) = await HttpOnceAsync(probe, cancellationToken);
                    if (ok)
                    {
                        return Done(true, last);
                    }

                    break;
                case ProbeKind.Tcp:
                    (ok, last) = await TcpOnceAsync(probe.Target!, cancellationToken);
                    if (ok)
                    {
                        return Done(true, last);
                    }

                    break;
            }

            if (watch.Elapsed >= deadline + (probe.Kind == ProbeKind.StayUp ? TimeSpan.FromSeconds(1) : TimeSpan.Zero))
            {
                return Done(false, $"no success within {deadline.TotalSeconds:0} s; last: {last}");
            }

            await Task.Delay(Interval, cancellationToken);
        }

        ProbeResult Done(bool passed, string detail) => new(probe.ToString(), passed, detail, watch.Elapsed.TotalSeconds);
    }

    /// <summary>How much of a body is read to look for an expected text.</summary>
    private const int MaxBody = 1 << 20;

    private async Task<(bool Ok, string Detail)> HttpOnceAsync(ProbeSpec probe, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.GetAsync(probe.Target!, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            if (probe.Expect is null)
            {
                return (code is >= 200 and < 400, $"HTTP {code}");
            }

            if (probe.ExpectsStatus)
            {
                return (code.ToString(System.Globalization.CultureInfo.InvariantCulture) == probe.Expect, $"HTTP {code}, expected {probe.Expect}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MaxBody];
            var read = 0;
            int n;
            while (read < MaxBody && (n = await body.ReadAsync(buffer.AsMemory(read), timeout.Token)) > 0)
            {
                read += n;
            }

            var found = System.Text.Encoding.UTF8.GetString(buffer, 0, read).Contains(probe.Expect, StringComparison.Ordinal);
            return (found && code is >= 200 and < 400, $"HTTP {code}, the body {(found ? "contains" : "does not contain")} \"{SafeText.Escape(probe.Expect)}\"");
        }
        catch (HttpRequestException e)
        {
            return (false, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, "HTTP request timed out after 5 s");
        }
    }

    private static async Task<(bool Ok, string Detail)> TcpOnceAsync(string target, CancellationToken cancellationToken)
    {
        var colon = target.LastIndexOf(':');
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(target[..colon].Trim('[', ']'), int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), timeout.Token);
            return (true, $"connected to {target}");
        }
        catch (SocketException e)
        {
            return (false, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, "TCP connect timed out after 5 s");
        }
    }
}
