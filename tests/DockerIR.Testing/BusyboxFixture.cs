using DockerIR.Core.Demo;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>A plain busybox image imported once per test class, labelled for clean-up.</summary>
public sealed class BusyboxFixture : EngineFixture
{
    public string ImageId { get; private set; } = "";

    public string ImageReference => $"dockerir-test/busybox:{Resources.RunId}";

    protected override async Task SetUpAsync()
    {
        await using var tar = await RootfsBuilder.Busybox().ToTarAsync(CancellationToken.None);
        var changes = Resources.Labels.Select(kv => $"LABEL {kv.Key}=\"{kv.Value}\"").Append("CMD [\"/bin/sh\"]").ToList();
        ImageId = await Engine.ImportImageAsync(tar, new ImportRequest("dockerir-test/busybox", Resources.RunId, changes), CancellationToken.None);
    }

    /// <summary>A container spec running a shell script, labelled for this run.</summary>
    public ContainerSpec Shell(string script) => new()
    {
        Image = ImageReference,
        Cmd = ["/bin/sh", "-c", script],
        Labels = Resources.Labels,
    };

}
