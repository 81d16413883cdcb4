namespace DockerIR.Testing;

/// <summary>
/// What the role fakes were asked, in order, shared by all of them so a test sees one sequence ("inspect", "pause",
/// "commit", ...), and the failures a test wants a call to raise.
/// </summary>
public sealed class FakeCalls
{
    private readonly List<(string Call, string Target)> calls = [];

    /// <summary>Failures to raise on a given call name (e.g. "top").</summary>
    public Dictionary<string, Exception> FailOn { get; } = [];

    public IReadOnlyList<string> All
    {
        get
        {
            lock (calls)
            {
                return calls.Select(c => c.Call).ToList();
            }
        }
    }

    /// <summary>Every call with what it named (a container or image reference as given, or "").</summary>
    public IReadOnlyList<(string Call, string Target)> WithTargets
    {
        get
        {
            lock (calls)
            {
                return [.. calls];
            }
        }
    }

    public Task<T> Record<T>(string call, Func<T> action, string target = "")
    {
        lock (calls)
        {
            calls.Add((call, target));
        }

        if (FailOn.TryGetValue(call, out var failure))
        {
            return Task.FromException<T>(failure);
        }

        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    public Task Record(string call, Action action, string target = "") => Record<bool>(call, () =>
    {
        action();
        return true;
    }, target);
}
