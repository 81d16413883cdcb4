using DockerIR.Core.Engine;

namespace DockerIR.Core.Redeploy;

/// <summary>How hard the replacement is locked down.</summary>
public enum HardeningProfile
{
    /// <summary>Not privileged, no-new-privileges, dangerous capabilities dropped, resource limits, no sensitive mounts.</summary>
    Baseline,

    /// <summary>Baseline, plus every capability dropped but those the plan shows the process needs, and the image's non-root user.</summary>
    Strict,
}

/// <summary>How the replacement is checked once started.</summary>
public enum ProbeKind
{
    /// <summary>The image's (or container's) own healthcheck must report healthy.</summary>
    Healthcheck,

    /// <summary>An HTTP GET must answer 2xx or 3xx.</summary>
    Http,

    /// <summary>A TCP connection must be accepted.</summary>
    Tcp,

    /// <summary>The container must stay running for a few seconds.</summary>
    StayUp,
}

/// <summary>One check of the replacement: an HTTP URL, a TCP host and port, the healthcheck, or staying up.</summary>
public sealed record ProbeSpec(ProbeKind Kind, string? Target, TimeSpan Timeout)
{
    /// <summary>How long a container with no other probe must stay up.</summary>
    public static readonly TimeSpan StayUpTime = TimeSpan.FromSeconds(5);

    /// <summary>Parses --probe: an http(s) URL, or tcp:PORT / tcp:HOST:PORT.</summary>
    public static ProbeSpec Parse(string value, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.StartsWith("tcp:", StringComparison.Ordinal))
        {
            var rest = value[4..];
            var colon = rest.LastIndexOf(':');
            var host = colon < 0 ? "127.0.0.1" : rest[..colon];
            var portText = colon < 0 ? rest : rest[(colon + 1)..];
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535 || host.Length == 0)
            {
                throw new DockerIRException(FailureKind.Usage, $"--probe '{value}' is not tcp:PORT or tcp:HOST:PORT with a port from 1 to 65535");
            }

            return new ProbeSpec(ProbeKind.Tcp, $"{host}:{port}", timeout);
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0)
        {
            return new ProbeSpec(ProbeKind.Http, uri.ToString(), timeout);
        }

        throw new DockerIRException(FailureKind.Usage, $"--probe '{value}' is neither an http(s) URL nor tcp:PORT");
    }

    public override string ToString() => Kind switch
    {
        ProbeKind.Http => $"http {Target}",
        ProbeKind.Tcp => $"tcp {Target}",
        ProbeKind.Healthcheck => "the image's healthcheck",
        _ => $"stays up for {StayUpTime.TotalSeconds:0} s",
    };
}

/// <summary>What the responder asked of the relaunch.</summary>
public sealed record RedeployOptions
{
    public HardeningProfile Profile { get; init; } = HardeningProfile.Baseline;

    /// <summary>Extra tmpfs paths beyond those the change set shows.</summary>
    public IReadOnlyList<string> ExtraTmpfs { get; init; } = [];

    /// <summary>The --probe, if any (the image's healthcheck is used too when it has one).</summary>
    public ProbeSpec? Probe { get; init; }

    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>One difference between the suspect's configuration and the replacement's, and why.</summary>
public sealed record PlanChange(string Setting, string Before, string After, string Reason);

/// <summary>A tmpfs the replacement gets, and the change-set paths (or option) that asked for it.</summary>
public sealed record TmpfsMount(string Path, string Options, string Reason);

/// <summary>
/// The relaunch, computed before anything is done: the suspect, the ORIGINAL image, the replacement's full
/// configuration, and every change against the suspect's with its reason. Pure data, shown by --dry-run.
/// </summary>
public sealed record RedeployPlan(
    string CaseId,
    string SuspectId,
    string SuspectName,
    string QuarantineName,
    string ImageId,
    string ImageReference,
    HardeningProfile Profile,
    ContainerSpec Replacement,
    IReadOnlyList<NetworkAttachment> ConnectBeforeStart,
    IReadOnlyList<TmpfsMount> Tmpfs,
    IReadOnlyList<PlanChange> Changes,
    IReadOnlyList<ProbeSpec> Probes,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The audit findings of the suspect that the replacement no longer has.</summary>
    public IReadOnlyList<Audit.AuditFinding> Fixes { get; init; } = [];
}
