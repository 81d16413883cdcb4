using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Docker;

namespace DockerIR.Testing;

/// <summary>
/// The real engine for tests. There is no skipping: when no engine answers, the test fails and says how to
/// start one (scripts/test.sh does it for you).
/// </summary>
public static class TestEngine
{
    public static IContainerEngine Create() => DockerEngineFactory.FromEnvironment();

    public static async Task<IContainerEngine> ConnectAsync()
    {
        var engine = Create();
        try
        {
            await engine.GetVersionAsync(CancellationToken.None);
            return engine;
        }
        catch (DockerIRException e)
        {
            engine.Dispose();
            throw new InvalidOperationException(
                $"engine tests need a Docker engine and none answers ({e.Message}); run 'scripts/engine.sh' or 'scripts/test.sh'", e);
        }
    }
}

/// <summary>
/// Labels every resource a test creates (dockerir.test=1 plus a per-fixture run id) and removes, at the end,
/// exactly the containers and images carrying this run's label, never anything else.
/// </summary>
public sealed class TestResources(IContainerEngine engine) : IAsyncDisposable
{
    public const string TestLabel = "dockerir.test";
    public const string RunLabel = "dockerir.test.run";

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The labels to put on everything this run creates.</summary>
    public IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string> { [TestLabel] = "1", [RunLabel] = RunId };

    /// <summary>A container or image name unique to this run.</summary>
    public string Name(string stem) => $"dockerir-test-{stem}-{RunId}";

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var selector = $"{RunLabel}={RunId}";
        foreach (var c in await engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [selector]), cts.Token))
        {
            await IgnoreNotFound(() => engine.RemoveContainerAsync(c.Id, force: true, removeVolumes: true, cts.Token));
        }

        // Evidence images inherit the run label and are children of the images they were committed from; a parent
        // refuses removal (409) while a child exists, so sweep until a pass removes nothing more.
        var remaining = (await engine.ListImagesAsync([selector], cts.Token)).Select(i => i.Id).ToList();
        while (remaining.Count > 0)
        {
            var left = new List<string>();
            foreach (var id in remaining)
            {
                try
                {
                    await engine.RemoveImageAsync(id, force: true, cts.Token);
                }
                catch (DockerIRException e) when (e.Kind is FailureKind.Conflict)
                {
                    left.Add(id);
                }
                catch (DockerIRException e) when (e.Kind is FailureKind.NotFound)
                {
                }
            }

            if (left.Count == remaining.Count)
            {
                throw new InvalidOperationException($"test clean-up could not remove images {string.Join(", ", left)}");
            }

            remaining = left;
        }
    }

    private static async Task IgnoreNotFound(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DockerIRException e) when (e.Kind is FailureKind.NotFound or FailureKind.Conflict)
        {
        }
    }
}
