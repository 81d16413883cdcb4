using DockerIR.Core.Case;

namespace DockerIR.Core.Redeploy;

/// <summary>What the responder asked of the relaunch.</summary>
public sealed record RedeployOptions
{
    public HardeningProfile Profile { get; init; } = HardeningProfile.Baseline;

    /// <summary>Extra tmpfs paths beyond those the change set shows.</summary>
    public IReadOnlyList<string> ExtraTmpfs { get; init; } = [];

    /// <summary>The --probe, if any (the image's healthcheck is used too when it has one).</summary>
    public ProbeSpec? Probe { get; init; }

    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Run a canary of the original image first to learn where the app writes (on by default).</summary>
    public bool LearnWrites { get; init; } = true;

    /// <summary>Kill the suspect even when the replacement fails its preflight (the operator's explicit choice).</summary>
    public bool Force { get; init; }
}

