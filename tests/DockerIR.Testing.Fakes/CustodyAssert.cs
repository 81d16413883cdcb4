using DockerIR.Core.Case;
using Xunit;

namespace DockerIR.Testing;

/// <summary>Checks on a snapshot's custody lines.</summary>
public static class CustodyAssert
{
    /// <summary>
    /// A snapshot's actions in order: the pause first, then the inspect, the audit, the processes read from the host
    /// (with their sockets and any memory dumps when the host could show them), then the commit starts and runs
    /// beside the engine's reads (top, logs, image, change set), so its two lines (started, succeeded) may fall
    /// anywhere between the host's reads and the snapshot's record.
    /// </summary>
    /// <param name="hostVolatile">True when the host's /proc was read (sockets recorded), false when it was a gap, null for either.</param>
    public static void SnapshotOrder(IReadOnlyList<CustodyRecord> custody, bool? hostVolatile = null)
    {
        ArgumentNullException.ThrowIfNull(custody);
        var actions = custody.Select(c => c.Action).ToList();
        var processes = custody.Single(c => c.Action == "container.processes");
        var read = hostVolatile ?? processes.Outcome == CustodyOutcome.Succeeded;
        Assert.Equal(read ? CustodyOutcome.Succeeded : CustodyOutcome.Skipped, processes.Outcome);
        string[] host = read ? ["container.processes", "container.sockets"] : ["container.processes"];
        Assert.Equal(
            ["case.open", "container.pause", "container.inspect", "container.audit", .. host, "container.top", "container.logs", "image.inspect", "container.changes", "snapshot.recorded"],
            actions.Where(a => a is not ("container.commit" or "container.memory")));
        var commits = custody.Select((c, i) => (c, i)).Where(x => x.c.Action == "container.commit").ToList();
        Assert.Equal([CustodyOutcome.Started, CustodyOutcome.Succeeded], commits.Select(x => x.c.Outcome));
        Assert.True(commits[0].i > actions.LastIndexOf(host[^1]) && commits[0].i > actions.LastIndexOf("container.memory"),
            "the commit starts after the frozen container's inspect, audit, processes, sockets and memory are kept");
        Assert.True(commits[1].i < actions.IndexOf("snapshot.recorded"), "the snapshot is recorded only after the commit succeeded");
    }
}
