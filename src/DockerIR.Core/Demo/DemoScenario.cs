using DockerIR.Core.Engine;

namespace DockerIR.Core.Demo;

/// <summary>A running, breached demo container.</summary>
public sealed record BreachedApp(string ContainerId, string ContainerName, string ImageId, Uri BaseAddress);

/// <summary>
/// Stands up the demo app and breaches it: import the image, start the container on 127.0.0.1, wait until it
/// serves, then attack it over HTTP. Used by `dockerir demo` and by the tests.
/// </summary>
public sealed class DemoScenario(IContainerEngine engine, HttpClient http)
{
    public const string LabelDemo = "dockerir.demo";

    /// <summary>Imports the image, starts a container (replacing a stale one of the same name that carries our label) and waits for it to serve.</summary>
    public async Task<BreachedApp> StartAsync(string name, string tag, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var imageId = await DemoWebApp.ImportAsync(engine, tag, labels, cancellationToken);
        await RemoveStaleAsync(name, labels, cancellationToken);
        var id = await engine.CreateContainerAsync(DemoWebApp.Spec($"{DemoWebApp.Repository}:{tag}", labels), name, cancellationToken);
        await engine.StartAsync(id, cancellationToken);
        var inspect = await engine.InspectContainerAsync(id, cancellationToken);
        var baseAddress = DemoWebApp.BaseAddress(inspect);
        await WaitUntilServingAsync(baseAddress, cancellationToken);
        return new BreachedApp(id, inspect.Name, imageId, baseAddress);
    }

    /// <summary>Breaches the app (drops shell.php, defaces index.html).</summary>
    public async Task BreachAsync(BreachedApp app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var output = await new DemoAttacker(http).BreachAsync(app.BaseAddress, cancellationToken);
        if (output.Length > 0)
        {
            throw new DockerIRException(FailureKind.EngineError, $"the demo breach failed: {output}");
        }
    }

    /// <summary>Polls the index page until it answers (the app needs a moment to bind its port).</summary>
    public async Task WaitUntilServingAsync(Uri baseAddress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(baseAddress, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new DockerIRException(FailureKind.ProbeFailed, $"the demo app did not answer at {baseAddress} within 20 s");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task RemoveStaleAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ContainerInspection stale;
        try
        {
            stale = await engine.InspectContainerAsync(name, cancellationToken);
        }
        catch (ContainerNotFoundException)
        {
            return;
        }

        // Only ever remove a container we made: it must carry every label we put on ours.
        if (stale.Name != name || !labels.All(kv => stale.Config.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
        {
            throw new DockerIRException(FailureKind.Conflict, $"a container named {name} exists and was not made by the DockerIR demo; remove or rename it");
        }

        await engine.RemoveContainerAsync(stale.Id, force: true, removeVolumes: true, cancellationToken);
    }
}
