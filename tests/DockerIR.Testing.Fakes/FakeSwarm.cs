using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>The Swarm role of the fake engine: an engine that is not a swarm manager, as the engine answers then.</summary>
public sealed class FakeSwarm(FakeCalls calls) : ISwarmServices
{
    private const string NotManager = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.";

    public Task<ServiceInspection> InspectServiceAsync(string reference, CancellationToken cancellationToken) =>
        calls.Record<ServiceInspection>("service-inspect", () => throw new EngineApiException(503, NotManager, "inspect the service"));

    public Task<IReadOnlyList<string>> UpdateServiceAsync(string serviceId, ulong version, string specJson, CancellationToken cancellationToken) =>
        calls.Record<IReadOnlyList<string>>("service-update", () => throw new EngineApiException(503, NotManager, "update the service"));

    public Task<IReadOnlyList<ServiceTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken) =>
        calls.Record<IReadOnlyList<ServiceTask>>("service-tasks", () => throw new EngineApiException(503, NotManager, "list the service's tasks"));
}
