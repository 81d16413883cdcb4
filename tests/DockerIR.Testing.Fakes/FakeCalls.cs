namespace DockerIR.Testing;

/// <summary>
/// What the role fakes were asked, in order, shared by all of them so a test sees one sequence ("inspect", "pause",
/// "commit", ...), and the failures a test wants a call to raise.
/// </summary>
public sealed class FakeCalls
{
    private readonly List<(string Call, string Target)> calls = [];
    private readonly Lock world = new();

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
            // One call at a time: a workflow runs some calls side by side (the commit beside the reads of a snapshot),
            // and the fakes' dictionaries are not safe for a write beside a read.
            lock (world)
            {
                return Task.FromResult(action());
            }
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

    /// <summary>Whether labels carry every one of the filters ("key" or "key=value"), as the engine's label filter reads them.</summary>
    public static bool HasLabels(IReadOnlyDictionary<string, string> labels, IEnumerable<string> filters) =>
        filters.All(l => l.Split('=', 2) is var kv && labels.TryGetValue(kv[0], out var v) && (kv.Length == 1 || v == kv[1]));
}
