using System.Globalization;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Redeploy;

/// <summary>
/// Turns change sets into write locations and places writable mounts on them. Pure, so every rule is tested
/// without an engine: a mount goes at the directory the app writes in (never above it), a tmpfs only where the image
/// has nothing to hide, an anonymous volume where it has content, log directories on volumes, never a web root.
/// </summary>
public static class WritePlacement
{
    /// <summary>How many entries of an image directory are worth counting: one is enough to know a tmpfs would hide it.</summary>
    public const int EntryCap = 16;

    /// <summary>
    /// The directories a change set writes in. An added file in an image directory writes in that directory; a file
    /// under directories the app added writes in the top-most added one (its parent is in the image); a deleted entry
    /// writes in its parent; a changed directory with nothing changed below it (<paramref name="transient"/>) is written in itself.
    /// </summary>
    public static List<WriteLocation> Locations(IReadOnlyList<ChangeEntry> changes, WriteSeen seen, IReadOnlySet<string>? directories = null)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var added = changes.Where(c => c.Kind == ChangeKind.Added).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        var parents = changes.Select(c => ChangeSetPaths.Parent(c.Path)).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, WriteLocation>(StringComparer.Ordinal);
        foreach (var c in changes.OrderBy(c => c.Path, StringComparer.Ordinal))
        {
            var isDir = parents.Contains(c.Path) || directories?.Contains(c.Path) == true;
            WriteLocation? location = c.Kind switch
            {
                ChangeKind.Deleted => new WriteLocation(ChangeSetPaths.Parent(c.Path), seen, false, c.Path),
                ChangeKind.Changed when isDir && parents.Contains(c.Path) => null, // only a parent of what changed below it
                ChangeKind.Changed when isDir => new WriteLocation(c.Path, seen == WriteSeen.Canary ? WriteSeen.Transient : seen, false, c.Path),
                ChangeKind.Changed => new WriteLocation(ChangeSetPaths.Parent(c.Path), seen, false, c.Path),
                _ => AddedLocation(c.Path, isDir, added, seen),
            };
            if (location is not null && !result.ContainsKey(location.Path))
            {
                result[location.Path] = location;
            }
        }

        return result.Values.ToList();
    }

    private static WriteLocation AddedLocation(string path, bool isDir, HashSet<string> added, WriteSeen seen)
    {
        var top = path;
        while (ChangeSetPaths.Parent(top) is var parent && parent != "/" && added.Contains(parent))
        {
            top = parent;
        }

        // A file added straight into an image directory writes in that directory; anything under a directory the app made is covered by a mount at the top-most one.
        return top == path && !isDir ? new WriteLocation(ChangeSetPaths.Parent(path), seen, false, path) : new WriteLocation(top, seen, true, path);
    }

    /// <summary>
    /// The writable mounts for <paramref name="locations"/>: none at or below one already writable (the suspect's own
    /// mounts, <paramref name="existing"/>), none nested in another, none at or near a web root or at /.
    /// </summary>
    public static List<WritableMount> Place(IReadOnlyList<WriteLocation> locations, IReadOnlyList<ImageDir> dirs, IReadOnlyCollection<string> existing,
        List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(dirs);
        ArgumentNullException.ThrowIfNull(warnings);
        var facts = dirs.GroupBy(d => d.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var chosen = new List<WritableMount>();
        foreach (var group in locations.GroupBy(l => l.Path, StringComparer.Ordinal).OrderBy(g => g.Key.Count(ch => ch == '/')).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var path = group.Key;
            var seen = string.Join(", ", group.Select(l => $"{Describe(l.Seen)}: {l.Example}").Distinct(StringComparer.Ordinal).Take(3));
            if (path == "/")
            {
                warnings.Add($"the app writes in / itself ({seen}); no mount can make that writable without making the root writable");
                continue;
            }

            if (ChangeClassifier.WebRootNear(path) is { } webRoot)
            {
                warnings.Add($"the app writes at {path} ({seen}), at or near the web root {webRoot}; it stays read-only, since a writable web root is what the attacker used");
                continue;
            }

            if (existing.Concat(chosen.Select(m => m.Path)).Any(e => ChangeSetPaths.IsAtOrBelow(path, e)))
            {
                continue;
            }

            var created = group.All(l => l.Created);
            facts.TryGetValue(path, out var dir);
            WritableMount mount;
            if (ChangeSetPaths.IsAtOrBelow(path, "/var/log"))
            {
                mount = new WritableMount(path, WritableMount.Volume, "", $"the app writes log files here ({seen}); an anonymous volume keeps them across restarts of this container (removed with it) and starts with what the image has there", true);
            }
            else if (dir is { Exists: false } || (dir is null && created))
            {
                mount = new WritableMount(path, WritableMount.Tmpfs, TmpfsOptions(dir), $"the app creates this directory ({seen}); it is not in the image, so a tmpfs hides nothing; emptied at every restart", false);
            }
            else if (dir is { Entries: 0 })
            {
                mount = new WritableMount(path, WritableMount.Tmpfs, TmpfsOptions(dir), $"the app writes here ({seen}); the image has it empty, so a tmpfs hides nothing; emptied at every restart", false);
            }
            else
            {
                var held = dir is null ? "what the image holds here is not known" : $"the image holds {(dir.Entries >= EntryCap ? $"{EntryCap} or more entries" : dir.Entries.ToString(CultureInfo.InvariantCulture) + (dir.Entries == 1 ? " entry" : " entries"))} here";
                mount = new WritableMount(path, WritableMount.Volume, "", $"the app writes here ({seen}); {held}, which a tmpfs would hide, so an anonymous volume starts with a copy of it (kept across restarts of this container, removed with it)", true);
            }

            chosen.RemoveAll(m => ChangeSetPaths.IsAtOrBelow(m.Path, path));
            chosen.Add(mount);
        }

        return chosen.OrderBy(m => m.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>The tmpfs options: no exec, suid or devices, 64 MiB, and the directory's own owner and mode where known.</summary>
    public static string TmpfsOptions(ImageDir? dir) =>
        dir is null ? RedeployPlanner.TmpfsOptions
        : string.Create(CultureInfo.InvariantCulture, $"{RedeployPlanner.TmpfsOptions},mode={Convert.ToString(dir.Mode & 0xFFF, 8)},uid={dir.Uid},gid={dir.Gid}");

    private static string Describe(WriteSeen seen) => seen switch
    {
        WriteSeen.Diff => "suspect's diff",
        WriteSeen.Canary => "canary",
        WriteSeen.Transient => "canary, created and removed",
        _ => "scratch",
    };
}
