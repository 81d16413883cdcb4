using System.Text.Json;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Case;

/// <summary>Finds the case a container already has, so verbs that act on a container write to its case.</summary>
public static class CaseLocator
{
    /// <summary>Where cases go when no --case-dir is given.</summary>
    public const string DefaultRoot = "cases";

    /// <summary>
    /// The most recent case under <paramref name="root"/> about the container with this id; with
    /// <paramref name="committedOnly"/>, only cases whose snapshot was committed. Unreadable case files are passed over.
    /// </summary>
    public static async Task<(CaseDirectory Dir, CaseRecord Record)?> FindLatestAsync(string root, string containerId, bool committedOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root))
        {
            return null;
        }

        (CaseDirectory, CaseRecord)? best = null;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var file = Path.Combine(dir, CaseDirectory.CaseFile);
            if (!File.Exists(file))
            {
                continue;
            }

            try
            {
                var opened = await CaseDirectory.OpenAsync(dir, cancellationToken);
                var record = opened.Record;
                if (record.Container.Id != containerId || (committedOnly && record.Snapshot is null))
                {
                    continue;
                }

                if (best is null || record.OpenedUtc > best.Value.Item2.OpenedUtc)
                {
                    best = opened;
                }
            }
            catch (DockerIRException)
            {
            }
            catch (JsonException)
            {
            }
        }

        return best;
    }

    /// <summary>
    /// Opens a new case about a container that has no snapshot (contain, redeploy --no-evidence): case.json
    /// without a snapshot, and a first custody line saying which verb opened it.
    /// </summary>
    public static async Task<(CaseDirectory Dir, CaseRecord Record)> OpenNewAsync(string? path, string root, ContainerInspection container,
        string engineEndpoint, Actor actor, TimeProvider clock, string openedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(actor);
        var caseId = CaseDirectory.NewCaseId(clock);
        var dir = CaseDirectory.CreateNew(path ?? Path.Combine(root, caseId));
        var record = new CaseRecord(CaseRecord.CurrentFormatVersion, caseId, clock.GetUtcNow(), actor.ToolVersion, engineEndpoint,
            new CaseContainer(container.Id, container.Name, container.ImageReference, container.ImageId, container.State.Status), Snapshot: null);
        await dir.WriteJsonAsync(CaseDirectory.CaseFile, record, CaseJson.Indented.CaseRecord, cancellationToken);
        await new CustodyLog(dir.CustodyPath, caseId, actor, clock).AppendAsync("case.open", $"{container.Name} ({container.Id})", CustodyOutcome.Succeeded,
            $"opened by {openedBy}", cancellationToken);
        return (dir, record);
    }
}
