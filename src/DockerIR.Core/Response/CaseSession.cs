using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using Serilog;

namespace DockerIR.Core.Response;

/// <summary>What every step of a run is done with: the engine and who acts, when and with which log.</summary>
public sealed record CaseServices(IContainerEngine Engine, Actor Actor, TimeProvider Clock, ILogger Log, HttpClient Http);

/// <summary>The container as a new run opened its case, and when the run paused it first (null when it did not).</summary>
public sealed record CaseOpening(ContainerInspection Inspect, DateTimeOffset? PausedAt);

/// <summary>
/// One run of one case, as its steps share it: the case, what the run was asked (run.json), and what earlier steps
/// produced for later ones (the opening inspect, the redeploy prepared while the snapshot commits, the bundle's path,
/// the replacement and its probes). A new run starts it with the inspect that opened the case; a resumed run rebuilds
/// it from the case on disk (<see cref="Resumed"/>), the only place where disk carries anything from step to step.
/// </summary>
public sealed class CaseSession
{
    private CaseSession(CaseServices services, CaseDirectory dir, RunRecord run, CaseOpening? opening, string? bundlePath)
    {
        Services = services;
        Dir = dir;
        Run = run;
        Opening = opening;
        BundlePath = bundlePath;
    }

    public CaseServices Services { get; }

    public CaseDirectory Dir { get; }

    public RunRecord Run { get; }

    /// <summary>The container as the case was opened for it; only a snapshot that is the run's first step uses it (then it is dropped).</summary>
    public CaseOpening? Opening { get; private set; }

    /// <summary>The redeploy prepared and preflighted while the snapshot committed, awaited by the redeploy step.</summary>
    public Task<PreparedRedeploy>? EarlyRedeploy { get; set; }

    /// <summary>The bundle the bundle step wrote (on resume, the one an earlier run wrote, if it is there).</summary>
    public string? BundlePath { get; set; }

    public string? ReplacementId { get; set; }

    public List<ProbeResult> Probes { get; } = [];

    /// <summary>"NAME (ID)", as custody names the run's container.</summary>
    public string Target => $"{Run.ContainerName} ({Run.ContainerId})";

    public static CaseSession Opened(CaseServices services, CaseDirectory dir, RunRecord run, CaseOpening opening) => new(services, dir, run, opening, null);

    public static CaseSession Resumed(CaseServices services, CaseDirectory dir, RunRecord run)
    {
        var bundle = Evidence.BundleWorkflow.DefaultPath(dir.Root);
        return new CaseSession(services, dir, run, null, File.Exists(bundle) ? bundle : null);
    }

    /// <summary>The opening inspect, once: after it the engine must be asked again (time has passed).</summary>
    public CaseOpening? TakeOpening()
    {
        var opening = Opening;
        Opening = null;
        return opening;
    }
}
