namespace DockerIR.Core.Case;

/// <summary>The suspect container as it was when the case was opened.</summary>
public sealed record CaseContainer(string Id, string Name, string ImageReference, string ImageId, string StateAtSnapshot);

/// <summary>The committed snapshot: the evidence image and how it was taken.</summary>
public sealed record CaseSnapshot(
    string EvidenceImageId,
    string EvidenceImageTag,
    DateTimeOffset CommittedUtc,
    bool LeftPaused,
    int ChangeCount,
    int SuspiciousCount);

/// <summary>
/// case.json: what a case is about. Written atomically by the snapshot once its commit is recorded, so its
/// presence with a <see cref="Snapshot"/> is the proof that evidence was committed.
/// </summary>
public sealed record CaseRecord(
    int FormatVersion,
    string CaseId,
    DateTimeOffset OpenedUtc,
    string ToolVersion,
    string Engine,
    CaseContainer Container,
    CaseSnapshot? Snapshot)
{
    /// <summary>The case format this build writes and the newest it reads.</summary>
    public const int CurrentFormatVersion = 1;
}
