using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Docker.Tests;

/// <summary>
/// Why the engine client stays ours (docs/engine-client.md), measured against the real engine with the card's library,
/// Docker.DotNet.Enhanced 4.4.1: its models drop fields a 1.41 engine answers with, so the inspect it returns is not what
/// the engine said (evidence keeps the engine's bytes), and a create body read into its model loses settings the
/// relaunch must carry over. If a later version keeps them, these tests fail and the choice is to be made again.
/// </summary>
public sealed class LibraryFidelityTests(BusyboxFixture busybox) : IClassFixture<BusyboxFixture>
{
    private readonly CancellationToken ct = CancellationToken.None;

    private static IEnumerable<string> Paths(JsonNode? node, string path = "") => node switch
    {
        JsonObject o => o.SelectMany(kv => Paths(kv.Value, path + "/" + kv.Key)).Prepend(path),
        JsonArray a => a.SelectMany((v, i) => Paths(v, $"{path}/{i}")).Prepend(path),
        _ => [path],
    };

    private async Task<ContainerInspection> RunningAsync(string stem)
    {
        var id = await busybox.Engine.CreateContainerAsync(busybox.Shell("sleep 60"), busybox.Resources.Name(stem), ct);
        await busybox.Engine.StartAsync(id, ct);
        return await busybox.Engine.InspectContainerAsync(id, ct);
    }

    [Fact]
    public async Task TheLibrarysInspect_IsNotWhatTheEngineSaid_FieldsOfA141AnswerAreGone()
    {
        var ours = await RunningAsync("fidelity-inspect");
        using var library = new DockerClientBuilder().WithEndpoint(new Uri(busybox.Engine.Endpoint)).WithApiVersion(new System.Version(1, 41)).Build();

        var theirs = await library.Containers.InspectContainerAsync(ours.Id, ct);

        var engine = Paths(JsonNode.Parse(ours.RawJson.Span)).ToHashSet(StringComparer.Ordinal);
        var model = Paths(JsonSerializer.SerializeToNode(theirs)).ToHashSet(StringComparer.Ordinal);
        var lost = engine.Except(model).ToList();
        // The container's address on the default bridge, as the 1.41 answer has it at the top of NetworkSettings.
        Assert.Contains("/NetworkSettings/IPAddress", lost);
        Assert.Contains("/NetworkSettings/MacAddress", lost);
        Assert.NotEqual("", JsonNode.Parse(ours.RawJson.Span)!["NetworkSettings"]!["IPAddress"]!.GetValue<string>());
        Assert.Equal(ours.Id, theirs.ID);
    }

    [Fact]
    public async Task ACreateBody_ReadIntoTheLibrarysModel_LosesSettingsTheRelaunchCarriesOver()
    {
        var ours = await RunningAsync("fidelity-create");
        var inspect = JsonNode.Parse(ours.RawJson.Span)!.AsObject();
        var body = inspect["Config"]!.DeepClone().AsObject();
        body["HostConfig"] = inspect["HostConfig"]!.DeepClone();

        // The library's own serializer (the options its requests are written with).
        var serializer = typeof(DockerClient).Assembly.GetType("Docker.DotNet.JsonSerializer")!;
        var instance = serializer.GetProperty("Instance", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(null);
        var options = (JsonSerializerOptions)serializer.GetField("_options", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(instance)!;
        var model = JsonSerializer.Deserialize<CreateContainerParameters>(body.ToJsonString(), options)!;
        var sent = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(model, options))!.AsObject();

        // Settings with a value in the engine's answer that the request the library would send no longer has.
        var lost = body["HostConfig"]!.AsObject().Where(kv => kv.Value is not null && !sent["HostConfig"]!.AsObject().ContainsKey(kv.Key)).Select(kv => kv.Key).ToList();
        Assert.Contains("KernelMemory", lost);
        Assert.Contains("KernelMemoryTCP", lost);
    }
}
