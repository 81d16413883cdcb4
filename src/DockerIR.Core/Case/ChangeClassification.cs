using DockerIR.Core.Engine;

namespace DockerIR.Core.Case;

/// <summary>Whether a change is expected runtime noise or something a responder must look at.</summary>
public enum Classification
{
    Runtime,
    Suspicious,
}

/// <summary>
/// A change-set entry with its classification and the names of the rules that decided it. <see cref="ParentOnly"/>
/// marks a changed directory that is in the set only because something beneath it changed.
/// </summary>
public sealed record ClassifiedChange(string Path, ChangeKind Kind, Classification Classification, IReadOnlyList<string> Reasons, bool ParentOnly = false);
