using System.Text.Json.Serialization;

namespace DockerIR.Docker.Wire;

/// <summary>Source-generated JSON for the Engine API's wire format.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ContainerInspectResponse))]
[JsonSerializable(typeof(ImageInspectResponse))]
[JsonSerializable(typeof(List<ImageSummaryWire>))]
[JsonSerializable(typeof(ContainerCreateRequest))]
[JsonSerializable(typeof(ContainerConfigWire))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(List<ContainerSummaryWire>))]
[JsonSerializable(typeof(List<ChangeWire>))]
[JsonSerializable(typeof(TopResponse))]
[JsonSerializable(typeof(WaitResponse))]
[JsonSerializable(typeof(PathStatWire))]
[JsonSerializable(typeof(ProgressMessage))]
[JsonSerializable(typeof(NetworkConnectRequest))]
[JsonSerializable(typeof(NetworkDisconnectRequest))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
[JsonSerializable(typeof(ServiceInspectWire))]
[JsonSerializable(typeof(ServiceUpdateResponse))]
[JsonSerializable(typeof(List<TaskWire>))]
internal sealed partial class DockerJsonContext : JsonSerializerContext;
