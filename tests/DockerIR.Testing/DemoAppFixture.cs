using DockerIR.Core.Demo;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>
/// One demo image per test class, imported from the host's busybox and labelled for clean-up; tests start and
/// breach their own containers from it.
/// </summary>
public sealed class DemoAppFixture : EngineFixture
{
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(15) };

    /// <summary>The tag this fixture imported the demo image under.</summary>
    public string Tag => $"test-{Resources.RunId}";

    public string ImageReference => $"{DemoWebApp.Repository}:{Tag}";

    protected override Task SetUpAsync() => DemoWebApp.ImportAsync(Engine, Tag, Resources.Labels, CancellationToken.None);

    /// <summary>Starts a demo container from this fixture's image (the image is imported once).</summary>
    public async Task<BreachedApp> StartAsync(string stem)
    {
        var name = Resources.Name(stem);
        var id = await Engine.CreateContainerAsync(DemoWebApp.Spec(ImageReference, Resources.Labels), name, CancellationToken.None);
        await Engine.StartAsync(id, CancellationToken.None);
        var inspect = await Engine.InspectContainerAsync(id, CancellationToken.None);
        var app = new BreachedApp(id, inspect.Name, inspect.ImageId, DemoWebApp.BaseAddress(inspect));
        await new DemoScenario(Engine, Http).WaitUntilServingAsync(app.BaseAddress, CancellationToken.None);
        return app;
    }

    /// <summary>Starts a demo container and breaches it over HTTP.</summary>
    public async Task<BreachedApp> StartBreachedAsync(string stem)
    {
        var app = await StartAsync(stem);
        await new DemoScenario(Engine, Http).BreachAsync(app, CancellationToken.None);
        return app;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Http.Dispose();
    }
}
