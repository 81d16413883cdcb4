using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DiffPlex.Renderer;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Platform;
using Serilog;

namespace DockerIR.Core.Extraction;

/// <summary>Which source reads the entries.</summary>
public enum SourceChoice
{
    Auto,
    Layer,
    Archive,
}

/// <summary>What to extract and with which caps.</summary>
public sealed record ExtractRequest(string CaseDir)
{
    public SourceChoice Source { get; init; } = SourceChoice.Auto;
    public ExtractionLimits Limits { get; init; } = ExtractionLimits.Default;

    /// <summary>
    /// What runs over the stored evidence once the manifest is in place (the caller composes it: triage, then the
    /// views), returning the findings; null to store the evidence only. Its failure never undoes the extraction.
    /// </summary>
    public Func<ExtractedCase, CancellationToken, Task<IReadOnlyList<TriageFinding>?>>? Analyse { get; init; }
}

/// <summary>A case whose evidence an extraction has just stored: what the analysis after it reads.</summary>
public sealed record ExtractedCase(CaseDirectory Dir, Manifest Manifest, ProcessesRecord? Processes, CustodyLog Custody, string Target);

/// <summary>What an extraction stored.</summary>
public sealed record ExtractResult(
    string CaseDir,
    string CaseId,
    string AfterSource,
    string BeforeSource,
    int Entries,
    int StoredMembers,
    long StoredBytes,
    int Diffs,
    bool Complete,
    IReadOnlyList<string> Gaps,
    double Seconds)
{
    /// <summary>What triage found (findings.json), or null when it could not run.</summary>
    public IReadOnlyList<TriageFinding>? Findings { get; init; }
}

/// <summary>Progress of an extraction: entries handled and content bytes stored so far.</summary>
public sealed record ExtractProgress(string Phase, int Entries, int Total, long Bytes);

/// <summary>
/// Stores a case's change set as PAX tars: artifacts/after.tar (added and changed entries as in the container)
/// and artifacts/before.tar (originals of changed and deleted entries from the original image), hashes every
/// member, writes diffs of changed text files and, last, manifest.json. What a cap or a failure left out is
/// listed in the manifest, which then says it is not complete.
/// </summary>
public sealed class ExtractWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log)
{
    public const string ArtifactsDir = "artifacts";
    private const int DiffMaxBytes = 1 << 20;
    private const long DiffBudget = 64L << 20;

    public async Task<ExtractResult> RunAsync(ExtractRequest request, IProgress<ExtractProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var watch = Stopwatch.StartNew();
        var (dir, record) = await CaseDirectory.OpenAsync(request.CaseDir, cancellationToken);
        var snapshot = record.Snapshot ?? throw new DockerIRException(FailureKind.Refused,
            $"case {record.CaseId} has no committed snapshot; run 'dockerir snapshot {record.Container.Name}' first");
        var custody = new CustodyLog(dir.CustodyPath, record.CaseId, actor, clock);
        var target = $"{record.Container.Name} ({record.Container.Id})";

        // The engine is asked which sources to use while changes.json is parsed on the other core, and the
        // crypto library loads meanwhile: three waits that do not depend on each other.
        var warmUp = Task.Run(() => IncrementalHash.CreateHash(HashAlgorithmName.SHA256).Dispose(), cancellationToken);
        var changesRead = Task.Run(() => dir.ReadChangesAsync(required: true, cancellationToken), cancellationToken);
        var afterChosen = AfterSourceAsync(request.Source, record, snapshot, cancellationToken);
        var beforeChosen = BeforeSourceAsync(request.Source, record, cancellationToken);
        var (changes, after, before) = await WhenAllOrDisposeAsync(changesRead, afterChosen, beforeChosen, warmUp);
        await using var afterScope = after;
        await using var beforeScope = before;
        await custody.AppendAsync("extract.start", target, CustodyOutcome.Started,
            $"after from {after.Name} ({after.Detail}); originals from {before?.Name ?? "nowhere"} ({before?.Detail ?? "the original image is not available"})", cancellationToken);
        log.Extracting(changes.Count, record.CaseId, after.Name, before?.Name ?? "none");

        try
        {
            var run = new Run(request.Limits, changes, progress);
            var processes = await ReadVolatileAsync(dir, run, cancellationToken);
            Delete(dir.PathOf(Manifest.FileName));
            foreach (var derived in CaseFiles.Derived)
            {
                Delete(dir.PathOf(derived));
            }
            var staging = dir.PathOf($"{ArtifactsDir}.partial-{Environment.ProcessId}");
            // Left by an earlier run that was killed: never evidence, never bundled, only in the way.
            foreach (var stale in Directory.EnumerateDirectories(dir.Root, $"{ArtifactsDir}.partial-*").Concat(Directory.EnumerateDirectories(dir.Root, $"{ArtifactsDir}.old-*")))
            {
                DeleteTree(stale);
            }

            Directory.CreateDirectory(Path.Combine(staging, "diffs"));

            var afterDurable = await WriteTarAsync(Path.Combine(staging, "after.tar"), after, run.AfterWanted(), run.OnAfterAsync, cancellationToken);
            var beforeDurable = await WriteTarAsync(Path.Combine(staging, "before.tar"), before, before is null ? [] : run.BeforeWanted(), run.OnBeforeAsync, cancellationToken);
            if (before is null)
            {
                run.MarkOriginalsUnavailable("the original image is not available on the engine");
            }

            // The tars reach the disk on another thread while the diffs and the manifest are written; the manifest
            // is put in place only once they are there. One line: for 10,000 entries indentation would cost a
            // quarter of the file and of the write.
            var durable = Task.WhenAll(afterDurable, beforeDurable);
            CaseDirectory.StagedFile stagedManifest;
            int diffs;
            Manifest manifest;
            try
            {
                diffs = await run.WriteDiffsAsync(Path.Combine(staging, "diffs"), cancellationToken);
                manifest = run.BuildManifest(record, snapshot, after, before, clock.GetUtcNow(), actor.ToolVersion);
                stagedManifest = await dir.StageJsonAsync(Manifest.FileName, manifest, CaseJson.Compact.Manifest, cancellationToken);
            }
            catch
            {
                await durable.ContinueWith(_ => { }, TaskScheduler.Default);
                throw;
            }

            Task oldArtifacts;
            using (stagedManifest)
            {
                await durable;
                await custody.AppendAsync("extract.after", target, CustodyOutcome.Succeeded,
                    $"{run.AfterMembers} members, {run.StoredBytes} content bytes, from {after.Name}", cancellationToken);
                await custody.AppendAsync("extract.before", target, before is null ? CustodyOutcome.Skipped : CustodyOutcome.Succeeded,
                    before is null ? "original image not available" : $"{run.BeforeMembers} members from {before.Name}", cancellationToken);
                oldArtifacts = SwapInto(staging, dir.PathOf(ArtifactsDir));
                stagedManifest.Commit();
            }

            await custody.AppendAsync("extract.manifest", target, manifest.Complete ? CustodyOutcome.Succeeded : CustodyOutcome.Failed,
                manifest.Complete ? $"{manifest.Entries.Count} entries, complete" : $"{manifest.Gaps.Count} gaps: {string.Join("; ", manifest.Gaps.Take(5))}",
                cancellationToken);
            var findings = request.Analyse is null ? null : await request.Analyse(new ExtractedCase(dir, manifest, processes, custody, target), cancellationToken);
            await oldArtifacts;
            log.Extracted(run.AfterMembers + run.BeforeMembers, run.StoredBytes, diffs, watch.Elapsed.TotalSeconds);
            return new ExtractResult(dir.Root, record.CaseId, after.Name, before?.Name ?? "none", manifest.Entries.Count,
                run.AfterMembers + run.BeforeMembers, run.StoredBytes, diffs, manifest.Complete, manifest.Gaps, watch.Elapsed.TotalSeconds)
            {
                Findings = findings,
            };
        }
        catch (OperationCanceledException)
        {
            await custody.AppendAsync("extract", target, CustodyOutcome.Interrupted, "cancelled by the operator; no manifest was written", CancellationToken.None);
            throw;
        }
        catch (Exception e) when (e is DockerIRException or IOException or InvalidDataException)
        {
            await custody.AppendAsync("extract", target, CustodyOutcome.Failed, e.Message, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// The snapshot's volatile capture (container/processes.json): what it could not read (a host that cannot show
    /// the container, a program or memory dump cut by a cap) is missing evidence, so each gap is the manifest's too.
    /// </summary>
    private static async Task<ProcessesRecord?> ReadVolatileAsync(CaseDirectory dir, Run run, CancellationToken cancellationToken)
    {
        try
        {
            var processes = await dir.ReadJsonAsync(ProcessesRecord.FileName, CaseJson.Indented.ProcessesRecord, cancellationToken);
            run.AddGaps((processes?.Gaps ?? []).Select(g => $"{ProcessesRecord.FileName}: {SafeText.Escape(g)}"));
            return processes;
        }
        catch (JsonException e)
        {
            run.AddGaps([$"{ProcessesRecord.FileName}: unreadable ({SafeText.Escape(e.Message)})"]);
            return null;
        }
    }

    /// <summary>
    /// Writes one evidence tar and hands it to the kernel; returns its durability (fsync, then close), which runs
    /// on another thread while the caller goes on and must be awaited before anything claims the tar.
    /// </summary>
    private static async Task<Task> WriteTarAsync(string path, IEntrySource? source, IReadOnlyList<WantedPath> wanted,
        Func<EvidenceTar, SourceEntry, Stream?, CancellationToken, Task> onEntry, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        try
        {
            await using (var tar = new EvidenceTar(new WritebackStream(file)))
            {
                if (source is not null && wanted.Count > 0)
                {
                    await source.ReadAsync(wanted, async (entry, content, ct) =>
                    {
                        await FaultPoints.HitAsync(FaultPoints.ExtractEntry, ct);
                        await onEntry(tar, entry, content, ct);
                    }, cancellationToken);
                }
            }

            await file.FlushAsync(cancellationToken);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }

        return Task.Run(() =>
        {
            using (file)
            {
                file.Flush(flushToDisk: true);
            }
        }, CancellationToken.None);
    }

    /// <summary>The changes and both sources; when any of them fails, the sources that were chosen are disposed.</summary>
    private static async Task<(List<ClassifiedChange> Changes, IEntrySource After, IEntrySource? Before)> WhenAllOrDisposeAsync(
        Task<List<ClassifiedChange>> changes, Task<IEntrySource> after, Task<IEntrySource?> before, Task warmUp)
    {
        try
        {
            await Task.WhenAll(changes, after, before, warmUp);
            return (changes.Result, after.Result, before.Result);
        }
        catch
        {
            foreach (var chosen in new Task[] { after, before })
            {
                await chosen.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            if (after.IsCompletedSuccessfully)
            {
                await after.Result.DisposeAsync();
            }

            if (before is { IsCompletedSuccessfully: true, Result: { } b })
            {
                await b.DisposeAsync();
            }

            throw;
        }
    }

    private async Task<IEntrySource> AfterSourceAsync(SourceChoice choice, CaseRecord record, CaseSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (choice != SourceChoice.Archive)
        {
            var (layers, detail, why) = await AfterLayerAsync(record, snapshot, cancellationToken);
            if (layers is not null)
            {
                return new PrefetchSource(new LayerSource(layers, detail));
            }

            if (choice == SourceChoice.Layer)
            {
                throw new DockerIRException(FailureKind.Usage, $"the layer source cannot be used: {why}; use --source archive");
            }

            log.LayerSourceNotUsable(why);
        }

        return new ArchiveSource(engine, snapshot.EvidenceImageId, HelperLabels(record));
    }

    /// <summary>
    /// The layer holding the change set as committed: the suspect's own upper directory while it is frozen (paused
    /// or stopped), else the evidence image's top layer, which is the same diff, committed and immutable.
    /// </summary>
    private async Task<(IReadOnlyList<string>? Layers, string Detail, string Why)> AfterLayerAsync(CaseRecord record, CaseSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (!engine.IsOnThisHost())
        {
            return (null, "", $"the engine at {engine.Endpoint} is not on this host");
        }

        try
        {
            var container = await engine.InspectContainerAsync(record.Container.Id, cancellationToken);
            if ((container.State.Paused || !container.State.Running) && LayerSource.ReadableUpperDir(container) is { } upper)
            {
                return ([upper], $"upper directory of the {(container.State.Paused ? "paused" : "stopped")} suspect: {upper}", "");
            }
        }
        catch (ContainerNotFoundException)
        {
        }

        var image = await engine.InspectImageAsync(snapshot.EvidenceImageId, cancellationToken);
        if (image.GraphDriver.Name != "overlay2")
        {
            return (null, "", $"the storage driver is {image.GraphDriver.Name}, not overlay2");
        }

        var top = image.GraphDriver.Data.GetValueOrDefault("UpperDir");
        return top is not null && LayerSource.CanRead([top])
            ? ([top], $"top layer of evidence image {snapshot.EvidenceImageId}: {top}", "")
            : (null, "", "the engine's storage is not readable here");
    }

    private async Task<IEntrySource?> BeforeSourceAsync(SourceChoice choice, CaseRecord record, CancellationToken cancellationToken)
    {
        ImageInspection image;
        try
        {
            image = await engine.InspectImageAsync(record.Container.ImageId, cancellationToken);
        }
        catch (ImageNotFoundException)
        {
            return null;
        }

        if (choice != SourceChoice.Archive && engine.IsOnThisHost()
            && image.LayerDirectories is { Count: > 0 } layers && LayerSource.CanRead(layers))
        {
            return new LayerSource(layers, $"{layers.Count} layers of original image {image.Id}");
        }

        if (choice == SourceChoice.Layer)
        {
            throw new DockerIRException(FailureKind.Usage, $"the layers of original image {image.Id} cannot be read here; use --source archive");
        }

        return new ArchiveSource(engine, image.Id, HelperLabels(record));
    }

    private static Dictionary<string, string> HelperLabels(CaseRecord record) => new()
    {
        [EvidenceImage.LabelCase] = record.CaseId,
        ["dockerir.helper"] = "archive-reader",
    };

    /// <summary>
    /// Moves the new artifacts into place and returns the deletion of the ones they replace, which runs on another
    /// thread while triage and the views are written (a stale tree left by a failed deletion is removed by the next run).
    /// </summary>
    private static Task SwapInto(string staging, string artifacts)
    {
        var old = artifacts + $".old-{Environment.ProcessId}";
        if (!Directory.Exists(artifacts))
        {
            Directory.Move(staging, artifacts);
            return Task.CompletedTask;
        }

        Directory.Move(artifacts, old);
        Directory.Move(staging, artifacts);
        return Task.Run(() => DeleteTree(old));
    }

    private static void Delete(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private static void DeleteTree(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>The state of one extraction: records per path, caps, diff candidates.</summary>
    private sealed class Run(ExtractionLimits limits, List<ClassifiedChange> changes, IProgress<ExtractProgress>? progress)
    {
        private readonly Dictionary<string, ClassifiedChange> byPath = FirstByPath(changes);
        private readonly Dictionary<string, FileRecord> afterRecords = new(StringComparer.Ordinal);
        private readonly Dictionary<string, FileRecord> beforeRecords = new(StringComparer.Ordinal);
        private readonly List<DeletedContent> deletedContents = [];
        private readonly Dictionary<string, (byte[]? After, byte[]? Before)> diffTexts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> diffFiles = new(StringComparer.Ordinal);
        private readonly List<string> extraGaps = [];

        /// <summary>Gaps found outside the change set (the volatile capture's), listed in the manifest after the entries'.</summary>
        public void AddGaps(IEnumerable<string> gaps) => extraGaps.AddRange(gaps);
        private readonly HashSet<string> deleted = changes.Where(c => c.Kind == ChangeKind.Deleted).Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        private long diffBytes;
        private int handled;

        public int AfterMembers { get; private set; }
        public int BeforeMembers { get; private set; }
        public long StoredBytes { get; private set; }

        public List<WantedPath> AfterWanted() =>
            changes.Where(c => c.Kind != ChangeKind.Deleted).Select(c => new WantedPath(c.Path, c.Kind == ChangeKind.Added)).ToList();

        public List<WantedPath> BeforeWanted() =>
            changes.Where(c => c.Kind != ChangeKind.Added).Select(c => new WantedPath(c.Path, c.Kind == ChangeKind.Deleted)).ToList();

        public void MarkOriginalsUnavailable(string why)
        {
            foreach (var c in changes.Where(c => c.Kind != ChangeKind.Added))
            {
                beforeRecords[c.Path] = new FileRecord { Type = "missing", Source = "none", NotStored = why, Gap = true };
            }
        }

        public async Task OnAfterAsync(EvidenceTar tar, SourceEntry entry, Stream? content, CancellationToken cancellationToken)
        {
            if (!byPath.TryGetValue(entry.Path, out var change) || change.Kind == ChangeKind.Deleted || afterRecords.ContainsKey(entry.Path))
            {
                return;
            }

            var keep = change.Kind == ChangeKind.Changed ? DiffMaxBytes : 0;
            var (rec, kept) = await StoreAsync(tar, entry, content, Manifest.AfterTar, keep, afterRecords, cancellationToken);
            afterRecords[entry.Path] = rec;
            AfterMembers += rec.Member is null ? 0 : 1;
            KeepForDiff(entry.Path, kept, after: true);
            Report("after");
        }

        public async Task OnBeforeAsync(EvidenceTar tar, SourceEntry entry, Stream? content, CancellationToken cancellationToken)
        {
            if (beforeRecords.ContainsKey(entry.Path))
            {
                return;
            }

            byPath.TryGetValue(entry.Path, out var change);
            var underDeleted = change is null ? DeletedAncestor(entry.Path) : null;
            if (change is { Kind: ChangeKind.Added } || (change is null && underDeleted is null))
            {
                return;
            }

            var (rec, kept) = await StoreAsync(tar, entry, content, Manifest.BeforeTar, change?.Kind == ChangeKind.Changed ? DiffMaxBytes : 0, beforeRecords, cancellationToken);
            BeforeMembers += rec.Member is null ? 0 : 1;
            if (underDeleted is not null)
            {
                deletedContents.Add(new DeletedContent { Path = entry.Path, UnderDeleted = underDeleted, Before = rec });
                beforeRecords[entry.Path] = rec;
            }
            else
            {
                beforeRecords[entry.Path] = rec;
                KeepForDiff(entry.Path, kept, after: false);
            }

            Report("before");
        }

        public async Task<int> WriteDiffsAsync(string diffsDir, CancellationToken cancellationToken)
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            var index = 0;
            foreach (var change in changes)
            {
                index++;
                if (!diffTexts.TryGetValue(change.Path, out var pair) || pair.After is null || pair.Before is null
                    || afterRecords.GetValueOrDefault(change.Path)?.Sha256 == beforeRecords.GetValueOrDefault(change.Path)?.Sha256)
                {
                    continue;
                }

                string oldText, newText;
                try
                {
                    if (Array.IndexOf(pair.After, (byte)0) >= 0 || Array.IndexOf(pair.Before, (byte)0) >= 0)
                    {
                        continue;
                    }

                    oldText = strict.GetString(pair.Before);
                    newText = strict.GetString(pair.After);
                }
                catch (DecoderFallbackException)
                {
                    continue;
                }

                var name = $"{index:D6}.diff";
                var label = SafeText.Escape(change.Path);
                var diff = new UnidiffRenderer().Generate(oldText, newText, "a" + label, "b" + label);
                await File.WriteAllTextAsync(Path.Combine(diffsDir, name), diff, cancellationToken);
                diffFiles[change.Path] = $"{ArtifactsDir}/diffs/{name}";
            }

            return diffFiles.Count;
        }

        public Manifest BuildManifest(CaseRecord record, CaseSnapshot snapshot, IEntrySource after, IEntrySource? before, DateTimeOffset now, string toolVersion)
        {
            var entries = new List<ManifestEntry>(changes.Count);
            foreach (var c in changes)
            {
                var a = c.Kind == ChangeKind.Deleted ? null
                    : afterRecords.GetValueOrDefault(c.Path) ?? Vanished(after.Name);
                var b = c.Kind == ChangeKind.Added ? null
                    : beforeRecords.GetValueOrDefault(c.Path) ?? new FileRecord { Type = "missing", Source = before?.Name ?? "none", NotStored = "not in the original image" };
                entries.Add(new ManifestEntry
                {
                    Path = c.Path,
                    Kind = c.Kind,
                    Classification = c.Classification,
                    Reasons = c.Reasons,
                    After = a,
                    Before = b,
                    ContentChange = c.Kind == ChangeKind.Changed ? ContentChange(a, b) : null,
                    Diff = diffFiles.GetValueOrDefault(c.Path),
                });
            }

            var gaps = new List<string>();
            void Gap(string path, FileRecord? side)
            {
                if (side?.Gap == true)
                {
                    gaps.Add($"{SafeText.Escape(path)}: {side.NotStored}");
                }
            }

            foreach (var e in entries)
            {
                Gap(e.Path, e.After);
                Gap(e.Path, e.Before);
            }

            foreach (var d in deletedContents)
            {
                Gap(d.Path, d.Before);
            }

            gaps.AddRange(extraGaps);
            return new Manifest
            {
                CaseId = record.CaseId,
                CreatedUtc = now,
                ToolVersion = toolVersion,
                ContainerId = record.Container.Id,
                ContainerName = record.Container.Name,
                OriginalImage = record.Container.ImageReference,
                OriginalImageId = record.Container.ImageId,
                EvidenceImageId = snapshot.EvidenceImageId,
                AfterSource = after.Name,
                AfterSourceDetail = after.Detail,
                BeforeSource = before?.Name ?? "none",
                BeforeSourceDetail = before?.Detail ?? "the original image is not available",
                Limits = limits,
                Complete = gaps.Count == 0,
                Gaps = gaps,
                Entries = entries,
                DeletedContents = deletedContents,
            };
        }

        private static FileRecord Vanished(string source) =>
            new() { Type = "missing", Source = source, NotStored = "vanished: the source does not hold this path", Gap = true };

        private static string ContentChange(FileRecord? a, FileRecord? b) =>
            a is null || b is null || a.Type == "missing" || b.Type == "missing" ? "unknown"
            : a.Type != b.Type ? "type"
            : a.Type != "file" ? "metadata"
            : a.Sha256 is null || b.Sha256 is null ? "unknown"
            : a.Sha256 == b.Sha256 ? "metadata" : "content";

        private async ValueTask<(FileRecord Record, byte[]? Kept)> StoreAsync(EvidenceTar tar, SourceEntry entry, Stream? content, string tarName, int keep,
            Dictionary<string, FileRecord> side, CancellationToken cancellationToken)
        {
            var record = Describe(entry, tarName == Manifest.AfterTar ? "after" : "before");
            if (entry.Type == EntryType.Missing)
            {
                return (record with { NotStored = entry.Problem ?? "vanished: the source does not hold this path", Gap = entry.Problem?.StartsWith("parent", StringComparison.Ordinal) != true }, null);
            }

            if (entry.Type is EntryType.Socket or EntryType.Whiteout)
            {
                var why = entry.Type == EntryType.Socket ? "a socket has no content a tar can hold" : "the layer holds a deletion marker here";
                return (record with { NotStored = why, Gap = entry.Type == EntryType.Whiteout && tarName == Manifest.AfterTar }, null);
            }

            if (AfterMembers + BeforeMembers >= limits.MaxEntries)
            {
                return (record with { NotStored = $"over --max-entries ({limits.MaxEntries})", Gap = true }, null);
            }

            if (entry.Type == EntryType.File && entry.Size > limits.MaxFileSize)
            {
                return (record with { NotStored = $"over --max-file-size ({entry.Size} > {limits.MaxFileSize} bytes)", Gap = true }, null);
            }

            if (entry.Type == EntryType.File && StoredBytes + entry.Size > limits.MaxTotalSize)
            {
                return (record with { NotStored = $"over --max-total-size ({limits.MaxTotalSize} bytes)", Gap = true }, null);
            }

            if (entry.Type == EntryType.HardLink && (entry.LinkTarget is null || side.GetValueOrDefault(entry.LinkTarget)?.Member is null))
            {
                var target = entry.LinkTarget is null ? null : side.GetValueOrDefault(entry.LinkTarget);
                return (record with { NotStored = $"hard link to {entry.LinkTarget}, which is not stored", Gap = target?.Gap == true }, null);
            }

            var keepThis = keep > 0 && diffBytes + keep <= DiffBudget ? keep : 0;
            var stored = await tar.WriteAsync(entry, content, keepThis, cancellationToken);
            StoredBytes += stored.Bytes;
            diffBytes += stored.Kept?.Length ?? 0;
            if (entry.Type == EntryType.HardLink)
            {
                var target = side[entry.LinkTarget!];
                return (Describe(entry, side: record.Source, target.Sha256, tarName, stored.Member) with { Size = target.Size }, null);
            }

            // Built once with what the tar gave: 10,000 entries make a copy per entry show in the collector's work.
            record = Describe(entry, record.Source, stored.Sha256, tarName, stored.Member);
            if (stored.SizeChanged)
            {
                record = record with
                {
                    NotStored = $"size changed while reading: declared {entry.Size}, the source held {(stored.SourceBytes < entry.Size ? stored.SourceBytes.ToString() : "more")}; the declared size is stored",
                    Gap = true,
                };
            }

            return (record, stored.Kept);
        }

        private static FileRecord Describe(SourceEntry e, string side, string? sha256 = null, string? tar = null, string? member = null) => new()
        {
            Type = TypeName(e.Type),
            Mode = e.Type == EntryType.Missing ? null : ModeText(e.Mode),
            Uid = e.Type == EntryType.Missing ? null : e.Uid,
            Gid = e.Type == EntryType.Missing ? null : e.Gid,
            Size = e.Type == EntryType.Missing ? null : e.Size,
            Mtime = e.Type == EntryType.Missing ? null : FormatTime(e.MtimeSeconds, e.MtimeNanos, e.HasNanos),
            MtimeUnix = e.Type == EntryType.Missing ? null : e.MtimeSeconds,
            Atime = e.Atime is { } a && e.Type != EntryType.Missing ? FormatTime(a.Seconds, a.Nanos, true) : null,
            AtimeUnix = e.Atime is { } a2 && e.Type != EntryType.Missing ? a2.Seconds : null,
            Ctime = e.Ctime is { } c && e.Type != EntryType.Missing ? FormatTime(c.Seconds, c.Nanos, true) : null,
            CtimeUnix = e.Ctime is { } c2 && e.Type != EntryType.Missing ? c2.Seconds : null,
            LinkTarget = e.LinkTarget,
            Device = e.Type is EntryType.CharDevice or EntryType.BlockDevice ? $"{e.DevMajor}:{e.DevMinor}" : null,
            Xattrs = e.Xattrs.Count == 0 ? null : e.Xattrs.ToDictionary(kv => kv.Key, kv => Convert.ToBase64String(kv.Value), StringComparer.Ordinal),
            Opaque = e.Opaque ? true : null,
            Source = side,
            Caveat = e.Caveat,
            Sha256 = sha256,
            Tar = tar,
            Member = member,
        };

        private static readonly string[] TypeNames = [.. Enum.GetValues<EntryType>().Select(t => JsonNamingPolicy.CamelCase.ConvertName(t.ToString()))];
        private static readonly string?[] ModeTexts = new string?[0x1000];

        public static string TypeName(EntryType type) => (uint)type < (uint)TypeNames.Length ? TypeNames[(int)type] : JsonNamingPolicy.CamelCase.ConvertName(type.ToString());

        /// <summary>Permission bits as four octal digits; the few distinct values are made once.</summary>
        private static string ModeText(uint mode) =>
            mode < 0x1000 ? ModeTexts[mode] ??= Convert.ToString(mode, 8).PadLeft(4, '0') : Convert.ToString(mode, 8).PadLeft(4, '0');

        public static string FormatTime(long seconds, int nanos, bool hasNanos)
        {
            var t = EvidenceTar.ToDateTimeOffset(seconds, 0).UtcDateTime;
            if (nanos is < 0 or > 999_999_999)
            {
                return t.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + (hasNanos ? $".{nanos:D9}" : "") + "Z";
            }

            return string.Create(hasNanos ? 30 : 20, (t, nanos, hasNanos), static (span, state) =>
            {
                state.t.TryFormat(span, out var n, "yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
                if (state.hasNanos)
                {
                    span[n++] = '.';
                    state.nanos.TryFormat(span[n..], out var f, "D9", System.Globalization.CultureInfo.InvariantCulture);
                    n += f;
                }

                span[n] = 'Z';
            });
        }

        private static Dictionary<string, ClassifiedChange> FirstByPath(List<ClassifiedChange> changes)
        {
            var first = new Dictionary<string, ClassifiedChange>(changes.Count, StringComparer.Ordinal);
            foreach (var c in changes)
            {
                first.TryAdd(c.Path, c);
            }

            return first;
        }

        private string? DeletedAncestor(string path)
        {
            for (var p = ChangeSetPaths.Parent(path); p != "/"; p = ChangeSetPaths.Parent(p))
            {
                if (deleted.Contains(p))
                {
                    return p;
                }
            }

            return null;
        }

        private void KeepForDiff(string path, byte[]? kept, bool after)
        {
            if (kept is null)
            {
                return;
            }

            var pair = diffTexts.GetValueOrDefault(path);
            diffTexts[path] = after ? (kept, pair.Before) : (pair.After, kept);
        }

        private void Report(string phase)
        {
            handled++;
            if (handled % 500 == 0)
            {
                progress?.Report(new ExtractProgress(phase, handled, changes.Count, StoredBytes));
            }
        }
    }
}
