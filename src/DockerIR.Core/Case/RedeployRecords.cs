using System.Text.Json;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Case;

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
    /// <summary>For an HTTP probe: a status code the answer must have (e.g. "200"), or a text its body must contain; null for any 2xx or 3xx.</summary>
    public string? Expect { get; init; }

    /// <summary>True when <see cref="Expect"/> names a status code rather than a text.</summary>
    public bool ExpectsStatus => Expect is { Length: 3 } e && e.All(char.IsAsciiDigit);

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

    /// <summary>Parses --probe with its --probe-expect (null when neither is given); an expectation needs an HTTP probe.</summary>
    public static ProbeSpec? ParseWithExpect(string? probe, string? expect, TimeSpan timeout)
    {
        if (string.IsNullOrEmpty(probe))
        {
            return string.IsNullOrEmpty(expect) ? null
                : throw new DockerIRException(FailureKind.Usage, "--probe-expect needs --probe with an http(s) URL");
        }

        var spec = Parse(probe, timeout);
        if (string.IsNullOrEmpty(expect))
        {
            return spec;
        }

        return spec.Kind == ProbeKind.Http ? spec with { Expect = expect }
            : throw new DockerIRException(FailureKind.Usage, $"--probe-expect checks an HTTP answer; '{probe}' is a TCP probe");
    }

    public override string ToString() => Kind switch
    {
        ProbeKind.Http => Expect is null ? $"http {Target}" : ExpectsStatus ? $"http {Target} (status {Expect})" : $"http {Target} (body contains \"{Expect}\")",
        ProbeKind.Tcp => $"tcp {Target}",
        ProbeKind.Healthcheck => "the image's healthcheck",
        _ => $"stays up for {StayUpTime.TotalSeconds:0} s",
    };
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
    IReadOnlyList<NetworkEndpoint> ConnectBeforeStart,
    IReadOnlyList<TmpfsMount> Tmpfs,
    IReadOnlyList<PlanChange> Changes,
    IReadOnlyList<ProbeSpec> Probes,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The plan of the relaunch, in the case (the report's "what the redeploy changes").</summary>
    public const string FileName = "redeploy-plan.json";

    /// <summary>The audit findings of the suspect that the replacement no longer has.</summary>
    public IReadOnlyList<AuditFinding> Fixes { get; init; } = [];

    /// <summary>Where the original image's app writes, and how that was learned.</summary>
    public WriteProfile WriteProfile { get; init; } = WriteProfile.None;

    /// <summary>The replacement's writable mounts (tmpfs and anonymous volumes), each with its reason.</summary>
    public IReadOnlyList<WritableMount> Writable { get; init; } = [];

    /// <summary>
    /// The engine's create request, exactly as it is sent: the suspect's own Config and HostConfig with only the
    /// <see cref="Changes"/> applied, and its primary network's endpoint.
    /// </summary>
    public JsonElement CreateBody { get; init; }
}

/// <summary>A network the replacement joins after it is created and before it starts, with its endpoint as the engine's JSON (aliases, links, static addresses).</summary>
public sealed record NetworkEndpoint(string Network, IReadOnlyList<string> Aliases, JsonElement Config);

/// <summary>How a place where the app writes was seen.</summary>
public enum WriteSeen
{
    /// <summary>In the suspect's change set, classified as runtime (never a suspicious path).</summary>
    Diff,

    /// <summary>Written by the canary of the original image and still there when it stopped.</summary>
    Canary,

    /// <summary>The canary created something here and removed it again (a lock, a temporary directory): only its copied-up directory in the canary's writable layer shows it.</summary>
    Transient,

    /// <summary>Scratch space every program may use (/tmp), given when the image has it empty.</summary>
    Scratch,
}

/// <summary>
/// A directory the app writes in. <see cref="Created"/>: the directory is not in the image (the app makes it), so a
/// mount there hides nothing. <see cref="Example"/> is one path written there.
/// </summary>
public sealed record WriteLocation(string Path, WriteSeen Seen, bool Created, string Example);

/// <summary>What the original image holds at a directory: whether it exists, how many entries it has (capped), and its owner and mode.</summary>
public sealed record ImageDir(string Path, bool Exists, int Entries, int Mode, long Uid, long Gid);

/// <summary>
/// Where the ORIGINAL image's app writes, learned from a canary of it and from the suspect's runtime changes, with what
/// the image holds at each place (so a writable mount never hides image content). <see cref="Method"/> says how it was
/// learned; <see cref="Notes"/> what could not be seen.
/// </summary>
public sealed record WriteProfile(string Method, IReadOnlyList<WriteLocation> Locations, IReadOnlyList<ImageDir> Dirs, IReadOnlyList<string> Notes)
{
    /// <summary>No canary ran: only the suspect's change set is known.</summary>
    public static readonly WriteProfile None = new("the suspect's change set only (no canary ran)", [], [], []);

    /// <summary>Where a profile taken from the write-profile cache was learned (case and time); null when a canary of this run learned it.</summary>
    public string? CachedFrom { get; init; }
}

/// <summary>A writable mount of the replacement: a tmpfs, or an anonymous volume the engine fills with the image's content.</summary>
public sealed record WritableMount(string Path, string Kind, string Options, string Reason, bool SurvivesRestart)
{
    public const string Tmpfs = "tmpfs";
    public const string Volume = "volume";
}
