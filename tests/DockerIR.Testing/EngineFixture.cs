using DockerIR.Core.Engine;
using Xunit;

namespace DockerIR.Testing;

/// <summary>
/// Base of the real-engine fixtures: connects (failing, never skipping, without an engine), labels what the
/// tests create through <see cref="Resources"/>, and removes exactly that at the end.
/// </summary>
public abstract class EngineFixture : IAsyncLifetime
{
    private IContainerEngine? engine;
    private TestResources? resources;

    public IContainerEngine Engine => engine ?? throw new InvalidOperationException("fixture not initialised");

    public TestResources Resources => resources ?? throw new InvalidOperationException("fixture not initialised");

    public async Task InitializeAsync()
    {
        engine = await TestEngine.ConnectAsync();
        resources = new TestResources(engine);
        await SetUpAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (resources is not null)
        {
            await resources.DisposeAsync();
        }

        engine?.Dispose();
    }

    /// <summary>What a fixture builds once the engine is connected (e.g. importing its image).</summary>
    protected virtual Task SetUpAsync() => Task.CompletedTask;
}
