namespace DockerIR.Docker.Wire;

/// <summary>The parts of GET /services/{id} that are read as values; the spec itself is kept as raw JSON.</summary>
internal sealed class ServiceInspectWire
{
    public string ID { get; set; } = "";
    public ObjectVersionWire? Version { get; set; }
    public ServiceSpecNameWire? Spec { get; set; }
    public ServiceUpdateStatusWire? UpdateStatus { get; set; }
}

internal sealed class ObjectVersionWire
{
    public ulong Index { get; set; }
}

internal sealed class ServiceSpecNameWire
{
    public string? Name { get; set; }
}

internal sealed class ServiceUpdateStatusWire
{
    public string? State { get; set; }
    public string? Message { get; set; }
}

internal sealed class ServiceUpdateResponse
{
    public List<string>? Warnings { get; set; }
}

internal sealed class TaskWire
{
    public string ID { get; set; } = "";
    public string? NodeID { get; set; }
    public string? DesiredState { get; set; }
    public TaskStatusWire? Status { get; set; }
}

internal sealed class TaskStatusWire
{
    public string? State { get; set; }
    public TaskContainerStatusWire? ContainerStatus { get; set; }
}

internal sealed class TaskContainerStatusWire
{
    public string? ContainerID { get; set; }
}
