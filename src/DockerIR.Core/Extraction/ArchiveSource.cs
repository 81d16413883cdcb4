using DockerIR.Core.Engine;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Extraction;

/// <summary>
/// Reads paths through the engine's archive endpoint from a created, never-started container of an image (the
/// evidence image, or the original image for originals). Requests are coalesced: one per top-most path whose
/// whole subtree is wanted, one per other path (reading only its own entry). Every answer is checked against the
/// path that was asked for, and each parent directory is verified not to be a symlink first, because the engine
/// resolves intermediate symlinks inside the container root without saying so.
/// </summary>
public sealed class ArchiveSource(IContainerEngine engine, string image, IReadOnlyDictionary<string, string> helperLabels) : IEntrySource
{
    /// <summary>Go's os.ModeSymlink and os.ModeDir bits in the path-stat header.</summary>
    private const uint GoModeSymlink = 1u << 27;
    private const uint GoModeDir = 1u << 31;

    /// <summary>
    /// Paths the engine's init layer creates in every container, the reader included: in the merged view they
    /// (and the metadata of /etc and /dev themselves) are the reader's, not the image's.
    /// </summary>
    public static readonly IReadOnlySet<string> InitLayerPaths = new HashSet<string>(StringComparer.Ordinal)
    {
        "/etc", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab", "/dev/console", "/dev/pts", "/dev/shm", "/proc", "/sys", "/.dockerenv",
    };

    private const string InitLayerCaveat = "the engine's init layer masks this path in the reader container: its metadata is the reader's, not the image's";

    private readonly Dictionary<string, string?> parentProblems = new(StringComparer.Ordinal) { ["/"] = null };
    private string? helper;
    private bool ownsHelper = true;

    /// <summary>
    /// Reads paths of an existing container (running or not) through its own archive endpoint, without creating,
    /// pausing or removing anything: what a hunt reads where the engine's storage is not on this host.
    /// </summary>
    public static ArchiveSource OfContainer(IContainerEngine engine, string containerId) =>
        new(engine, containerId, new Dictionary<string, string>()) { helper = containerId, ownsHelper = false };

    public string Name => "archive";

    public string Detail => ownsHelper ? $"archive requests to a never-started container of {image}" : $"archive requests to container {image}";

    public async Task ReadAsync(IReadOnlyList<WantedPath> wanted, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(sink);
        var container = await HelperAsync(cancellationToken);
        string? subtreeRoot = null;
        foreach (var want in wanted.OrderBy(w => w.Path, WalkOrder.Instance).DistinctBy(w => w.Path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (subtreeRoot is not null && ChangeSetPaths.IsBelow(want.Path, subtreeRoot))
            {
                continue;
            }

            subtreeRoot = null;
            if (await ParentProblemAsync(container, want.Path, cancellationToken) is { } problem)
            {
                await sink(SourceEntry.Missing(want.Path, problem), null, cancellationToken);
                continue;
            }

            if (want.WholeSubtree)
            {
                subtreeRoot = want.Path;
            }

            await ReadOneAsync(container, want.Path, want.WholeSubtree, sink, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (helper is not null && ownsHelper)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await engine.RemoveContainerAsync(helper, force: true, removeVolumes: true, cts.Token);
            }
            catch (DockerIRException)
            {
                // The helper was never started and holds nothing; a leftover is harmless and labelled.
            }
        }
    }

    private async Task ReadOneAsync(string container, string path, bool wholeSubtree, Func<SourceEntry, Stream?, CancellationToken, Task> sink, CancellationToken cancellationToken)
    {
        ArchiveContent archive;
        try
        {
            archive = await engine.GetArchiveAsync(container, path, cancellationToken);
        }
        catch (EngineObjectNotFoundException)
        {
            await sink(SourceEntry.Missing(path), null, cancellationToken);
            return;
        }

        await using (archive)
        {
            var parent = ChangeSetPaths.Parent(path);
            var baseName = path[(path.LastIndexOf('/') + 1)..];
            if (archive.Stat.Name != baseName)
            {
                throw new DockerIRException(FailureKind.EngineError, $"the engine answered for '{archive.Stat.Name}' when asked for {path}");
            }

            using var reader = new TarStreamReader(archive.Content);
            var first = true;
            while (await reader.NextAsync(cancellationToken) is { } item)
            {
                var name = item.Name.TrimEnd('/');
                if (name != baseName && !name.StartsWith(baseName + "/", StringComparison.Ordinal))
                {
                    throw new DockerIRException(FailureKind.EngineError, $"the archive of {path} holds '{SafeText.Escape(item.Name)}', which was not asked for");
                }

                if (first && name != baseName)
                {
                    throw new DockerIRException(FailureKind.EngineError, $"the archive of {path} does not start with the path itself");
                }

                var entryPath = Join(parent, name);
                var entry = SourceEntry.FromTar(item, entryPath, link => Join(parent, link.TrimEnd('/')));
                if (InitLayerPaths.Contains(entryPath))
                {
                    entry = entry with { Caveat = InitLayerCaveat };
                }

                if (entry.Type == EntryType.Directory)
                {
                    parentProblems[entryPath] = null;
                }

                await sink(entry, entry.Type == EntryType.File ? item.Data : null, cancellationToken);
                if (!wholeSubtree)
                {
                    // Only the path's own entry is wanted; leaving now aborts the rest of a directory's stream.
                    break;
                }

                first = false;
            }

            if (first && wholeSubtree)
            {
                throw new DockerIRException(FailureKind.EngineError, $"the archive of {path} is empty");
            }
        }
    }

    /// <summary>Why a path cannot be read as itself (a parent that is not a directory), or null; cached per parent.</summary>
    private async Task<string?> ParentProblemAsync(string container, string path, CancellationToken cancellationToken)
    {
        var parent = ChangeSetPaths.Parent(path);
        if (parentProblems.TryGetValue(parent, out var known))
        {
            return known;
        }

        var problem = await ParentProblemAsync(container, parent, cancellationToken);
        if (problem is null)
        {
            var stat = await engine.StatPathAsync(container, parent, cancellationToken);
            problem = stat is null ? $"parent {parent} does not exist"
                : (stat.Mode & GoModeSymlink) != 0 ? $"parent {parent} is a symlink to {stat.LinkTarget}"
                : (stat.Mode & GoModeDir) == 0 ? $"parent {parent} is not a directory"
                : null;
        }

        parentProblems[parent] = problem;
        return problem;
    }

    private async Task<string> HelperAsync(CancellationToken cancellationToken)
    {
        if (helper is not null)
        {
            return helper;
        }

        var spec = new ContainerSpec
        {
            Image = image,
            // Never started: the command only has to exist for the engine to create the container.
            Cmd = ["/dockerir-reader-never-started"],
            Entrypoint = [],
            Labels = helperLabels,
            HostConfig = new HostConfigInfo { NetworkMode = "none" },
        };
        helper = await engine.CreateContainerAsync(spec, null, cancellationToken);
        return helper;
    }

    private static string Join(string parent, string name) => parent == "/" ? "/" + name : parent + "/" + name;
}
