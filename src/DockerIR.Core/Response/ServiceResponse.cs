using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Core.Snapshot;
using Serilog;

namespace DockerIR.Core.Response;

/// <summary>A Swarm service's relaunch as `redeploy --service` runs it: each task's snapshot, then the service update.</summary>
public static class ServiceResponse
{
    /// <summary>The service relaunch, with each task's evidence taken by the snapshot (paused, committed, resumed at once).</summary>
    public static ServiceRedeployWorkflow Workflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log, HttpClient http) =>
        new(engine, actor, clock, log, http, async (containerId, casesRoot, cancellationToken) =>
        {
            var result = await new SnapshotWorkflow(engine, actor, clock, log, AuditReports.Of).RunAsync(
                new SnapshotRequest(containerId) { CasesRoot = casesRoot, Unpause = true }, null, cancellationToken);
            return (result.CaseDir, result.CaseId, result.EvidenceImageId);
        });
}
