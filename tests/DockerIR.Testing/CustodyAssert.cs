using DockerIR.Core.Case;
using DockerIR.Core.Evidence;
using Xunit;

namespace DockerIR.Testing;

/// <summary>Checks on a snapshot's custody lines.</summary>
public static class CustodyAssert
{
    /// <summary>
    /// A snapshot's actions in order: the pause first, then the inspect, the audit, the volatile state and the change
    /// set; the commit starts after the frozen container's inspect is kept and runs beside the volatile reads, so its
    /// two lines (started, succeeded) may fall anywhere between the audit and the snapshot's record.
    /// </summary>
    public static void SnapshotOrder(IReadOnlyList<CustodyRecord> custody)
    {
        ArgumentNullException.ThrowIfNull(custody);
        var actions = custody.Select(c => c.Action).ToList();
        Assert.Equal(
            ["case.open", "container.pause", "container.inspect", "container.audit", "container.top", "container.logs", "image.inspect", "container.changes", "snapshot.recorded"],
            actions.Where(a => a != "container.commit"));
        var commits = custody.Select((c, i) => (c, i)).Where(x => x.c.Action == "container.commit").ToList();
        Assert.Equal([CustodyOutcome.Started, CustodyOutcome.Succeeded], commits.Select(x => x.c.Outcome));
        Assert.True(commits[0].i > actions.IndexOf("container.audit"), "the commit starts after the frozen container's inspect and audit are kept");
        Assert.True(commits[1].i < actions.IndexOf("snapshot.recorded"), "the snapshot is recorded only after the commit succeeded");
    }
}
