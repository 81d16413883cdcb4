using DockerIR.Core.Demo;
using DockerIR.Core.Engine;
using Xunit;

namespace DockerIR.Testing;

/// <summary>A plain busybox image imported once per test class, labelled for clean-up.</summary>
public sealed class BusyboxFixture : IAsyncLifetime
{
    private IContainerEngine? engine;
    private TestResources? resources;

    public IContainerEngine Engine => engine ?? throw new InvalidOperationException("fixture not initialised");

    public TestResources Resources => resources ?? throw new InvalidOperationException("fixture not initialised");

    public string ImageId { get; private set; } = "";

    public string ImageReference => $"dockerir-test/busybox:{Resources.RunId}";

    public async Task InitializeAsync()
    {
        engine = await TestEngine.ConnectAsync();
        resources = new TestResources(engine);
        await using var tar = await RootfsBuilder.Busybox().ToTarAsync(CancellationToken.None);
        var changes = resources.Labels.Select(kv => $"LABEL {kv.Key}=\"{kv.Value}\"").Append("CMD [\"/bin/sh\"]").ToList();
        ImageId = await engine.ImportImageAsync(tar, new ImportRequest("dockerir-test/busybox", Resources.RunId, changes), CancellationToken.None);
    }

    /// <summary>A container spec running a shell script, labelled for this run.</summary>
    public ContainerSpec Shell(string script) => new()
    {
        Image = ImageReference,
        Cmd = ["/bin/sh", "-c", script],
        Labels = Resources.Labels,
    };

    public async Task DisposeAsync()
    {
        if (resources is not null)
        {
            await resources.DisposeAsync();
        }

        engine?.Dispose();
    }
}
