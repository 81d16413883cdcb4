using System.Collections.Concurrent;
using System.Diagnostics;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Extraction;
using DockerIR.Core.Platform;
using DockerIR.Core.Triage;
using Serilog;

namespace DockerIR.Core.Hunt;

/// <summary>What to sweep: containers (resolved references), and with <see cref="Images"/> every image on the engine.</summary>
public sealed record HuntRequest(Indicators Indicators, IReadOnlyList<string> Containers, bool Images)
{
    /// <summary>Containers swept at once.</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Where container files are read: auto (the upper directory when the engine is local, else the archive endpoint), layer or archive.</summary>
    public SourceChoice Source { get; init; } = SourceChoice.Auto;
}

/// <summary>
/// Sweeps containers and images for a case's indicators without pausing or touching them: each container's change
/// set (added and changed files, read from its upper directory on this host, or through the engine's archive
/// endpoint when the storage is elsewhere), hashed and matched against the indicators' hashes and names, the triage
/// rules and the IOC patterns; with images, every layer on this host, where only files of an indicator's size are
/// hashed. Work follows the change, not the image; containers are swept in parallel, up to a bound.
/// </summary>
public sealed class HuntWorkflow(IContainerEngine engine, Actor actor, TimeProvider clock, ILogger log)
{
    public async Task<HuntReport> RunAsync(HuntRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var watch = Stopwatch.StartNew();
        var indicators = request.Indicators;
        var byHash = indicators.ByHash;
        var swept = new HuntedContainer[request.Containers.Count];
        var done = 0;
        using var gate = new SemaphoreSlim(Math.Max(1, request.Parallel));
        await Task.WhenAll(request.Containers.Select(async (reference, index) =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                swept[index] = await SweepContainerAsync(reference, request.Source, indicators, byHash, cancellationToken);
                progress?.Report($"swept {Interlocked.Increment(ref done)}/{request.Containers.Count} containers: {swept[index].Name}");
            }
            finally
            {
                gate.Release();
            }
        }));

        var images = new List<HuntedImage>();
        if (request.Images)
        {
            var summaries = await engine.ListImagesAsync([], cancellationToken);
            var containers = await engine.ListContainersAsync(new ContainerListFilter(All: true), cancellationToken);
            var layerCache = new Dictionary<string, (int Files, List<HuntMatch> Matches)>(StringComparer.Ordinal);
            foreach (var image in summaries)
            {
                progress?.Report($"image {images.Count + 1}/{summaries.Count}: {(image.RepoTags.Count > 0 ? image.RepoTags[0] : image.Id)}");
                images.Add(await SweepImageAsync(image, containers, indicators, byHash, layerCache, cancellationToken));
            }
        }

        var origins = indicators.Cases.Select(c => c.CaseId).Concat(indicators.Hashes.Concat<object>(indicators.Names).Concat(indicators.Patterns).Concat(indicators.Peers)
            .Select(i => i switch { HashIndicator h => h.Origin, NameIndicator n => n.Origin, PatternIndicator p => p.Origin, PeerIndicator e => e.Origin, _ => "" })).Distinct(StringComparer.Ordinal).ToList();
        var report = new HuntReport(clock.GetUtcNow(), actor.ToolVersion, origins, indicators.Hashes.Count, indicators.Names.Count, indicators.Patterns.Count,
            watch.Elapsed.TotalSeconds, swept, images)
        {
            PeerIndicators = indicators.Peers.Count,
        };
        log.Hunted(swept.Length, images.Count, report.Seconds, report.AllMatches.Count());
        await RecordInCasesAsync(indicators, report, cancellationToken);
        return report;
    }

    private async Task<HuntedContainer> SweepContainerAsync(string reference, SourceChoice choice, Indicators indicators, ILookup<string, HashIndicator> byHash,
        CancellationToken cancellationToken)
    {
        var c = await engine.InspectContainerAsync(reference, cancellationToken);
        var state = c.State.Paused ? "paused" : c.State.Running ? "running" : "stopped";
        IReadOnlyList<ChangeEntry> changes;
        try
        {
            changes = await engine.GetChangesAsync(c.Id, cancellationToken);
        }
        catch (DockerIRException e) when (e is not ContainerNotFoundException)
        {
            return new HuntedContainer(c.Id, c.Name, c.ImageReference, c.ImageId, state, null, 0, 0, 0, $"its change set could not be read: {e.Message}", []);
        }

        var classified = ChangeClassifier.Classify(changes).ToDictionary(k => k.Path, StringComparer.Ordinal);
        var wanted = classified.Values.Where(k => k.Kind != ChangeKind.Deleted).Select(k => new WantedPath(k.Path, k.Kind == ChangeKind.Added)).ToList();
        var matches = new List<HuntMatch>();
        var files = 0;
        long bytes = 0;
        var layer = choice != SourceChoice.Archive && engine.IsOnThisHost() ? LayerSource.ReadableUpperDir(c) : null;
        if (layer is null && choice == SourceChoice.Layer)
        {
            return new HuntedContainer(c.Id, c.Name, c.ImageReference, c.ImageId, state, null, changes.Count, 0, 0,
                "its upper directory is not readable on this host (--source layer); use --source archive", []);
        }

        IEntrySource source = layer is not null ? new LayerSource([layer], $"upper directory of {c.Name}: {layer}") : ArchiveSource.OfContainer(engine, c.Id);
        await using (source)
        {
            try
            {
                await source.ReadAsync(wanted, async (entry, content, ct) =>
                {
                    var change = classified.GetValueOrDefault(entry.Path) ?? ChangeClassifier.ClassifyOne(new ChangeEntry(entry.Path, ChangeKind.Added));
                    if (entry.Type == EntryType.Directory && change.Kind == ChangeKind.Added)
                    {
                        MatchNames(indicators, entry.Path, isDirectory: true, null, matches);
                        return;
                    }

                    if (entry.Type != EntryType.File || content is null)
                    {
                        return;
                    }

                    await using var hashing = new HashingStream(content, keepUpTo: TriageScan.HeadLimit);
                    await hashing.CopyToAsync(Stream.Null, 1 << 16, ct);
                    var sha = hashing.HashHex();
                    Interlocked.Increment(ref files);
                    Interlocked.Add(ref bytes, hashing.BytesRead);
                    MatchFile(indicators, byHash, change, entry, sha, hashing.BytesRead, hashing.Kept ?? [], matches);
                }, cancellationToken);
            }
            catch (DockerIRException e) when (e is not ContainerNotFoundException)
            {
                return new HuntedContainer(c.Id, c.Name, c.ImageReference, c.ImageId, state, source.Name, changes.Count, files, bytes, $"its files could not be read: {e.Message}", matches);
            }
        }

        var gaps = new List<string>();
        if (indicators.Peers.Count > 0)
        {
            MatchPeers(c, indicators, matches, gaps);
        }

        return new HuntedContainer(c.Id, c.Name, c.ImageReference, c.ImageId, state, source.Name, changes.Count, files, bytes, null,
            [.. matches.OrderByDescending(m => m.Severity).ThenBy(m => m.Path, StringComparer.Ordinal).ThenBy(m => m.Rule, StringComparer.Ordinal)])
        {
            Gaps = gaps,
        };
    }

    /// <summary>
    /// The container's TCP connections (its network namespace's tables, read from the host's /proc through its init
    /// process, which is never signalled or paused) to a peer of the case's flagged connections.
    /// </summary>
    private void MatchPeers(ContainerInspection c, Indicators indicators, List<HuntMatch> matches, List<string> gaps)
    {
        if (!c.State.Running || c.State.Pid <= 0)
        {
            return;
        }

        if (!engine.IsOnThisHost())
        {
            gaps.Add($"connections: the engine at {engine.Endpoint} is not on this host, so its containers' connections cannot be read");
            return;
        }

        foreach (var protocol in new[] { "tcp", "tcp6" })
        {
            if (ProcFs.ReadText($"/proc/{c.State.Pid}/net/{protocol}", 16 << 20) is not { } table)
            {
                gaps.Add($"connections: /proc/{c.State.Pid}/net/{protocol} could not be read");
                continue;
            }

            foreach (var s in ProcFs.ParseInet(table, protocol).Where(s => s.State is "ESTABLISHED" or "SYN_SENT"))
            {
                var remote = s.Remote.IsIPv4MappedToIPv6 ? s.Remote.MapToIPv4() : s.Remote;
                if (indicators.Peers.FirstOrDefault(p => p.Port == s.RemotePort && System.Net.IPAddress.TryParse(p.Address, out var a)
                    && (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(remote)) is { } peer)
                {
                    matches.Add(new HuntMatch("peer", HuntReport.SamePeer, Severity.High, "/proc/net/" + protocol, null, peer.Origin,
                        $"{s.State} {s.Local}:{s.LocalPort} -> {remote}:{s.RemotePort}: {peer.Note}"));
                }
            }
        }
    }

    /// <summary>Matches one regular file of a container's change set: its hash, its name, the triage rules, the IOC patterns.</summary>
    private static void MatchFile(Indicators indicators, ILookup<string, HashIndicator> byHash, ClassifiedChange change, SourceEntry entry, string sha, long size, byte[] head,
        List<HuntMatch> matches)
    {
        var same = byHash[sha].FirstOrDefault();
        if (same is not null)
        {
            matches.Add(new HuntMatch("file", HuntReport.SameFile, Severity.High, entry.Path, sha, same.Origin,
                $"the same content as {(same.Path is null ? "an IOC hash" : same.Path)} ({same.Note})"));
        }
        else
        {
            MatchNames(indicators, entry.Path, isDirectory: false, sha, matches);
        }

        var manifestEntry = new ManifestEntry
        {
            Path = entry.Path,
            Kind = change.Kind,
            Classification = change.Classification,
            Reasons = change.Reasons,
            After = new FileRecord { Type = "file", Mode = Convert.ToString(entry.Mode & 0xFFF, 8).PadLeft(4, '0'), Uid = entry.Uid, Gid = entry.Gid, Size = size, Sha256 = sha, Source = "hunt" },
        };
        foreach (var finding in TriageScan.Check(manifestEntry, head, null))
        {
            var inCase = indicators.CaseRules.Where(kv => kv.Value.Contains(finding.Rule)).Select(kv => kv.Key).FirstOrDefault();
            matches.Add(new HuntMatch("rule", finding.Rule, finding.Severity, entry.Path, sha, inCase,
                $"{finding.Why} ({finding.Excerpt}){(inCase is null ? "" : $"; case {inCase} hit the same rule")}"));
        }

        if (indicators.Patterns.Count > 0)
        {
            var text = System.Text.Encoding.Latin1.GetString(head);
            foreach (var p in indicators.Patterns)
            {
                try
                {
                    if (p.Regex.Match(text) is { Success: true } m)
                    {
                        matches.Add(new HuntMatch("pattern", p.Id, p.Severity, entry.Path, sha, p.Origin, $"matches {p.Id}: {TriageText.Clip(m.Value)}"));
                    }
                }
                catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
                {
                    matches.Add(new HuntMatch("pattern", p.Id, Severity.Low, entry.Path, sha, p.Origin, $"{p.Id} took longer than 250 ms on this file and was stopped"));
                }
            }
        }
    }

    private static void MatchNames(Indicators indicators, string path, bool isDirectory, string? sha, List<HuntMatch> matches)
    {
        foreach (var n in indicators.Names)
        {
            if (n.Matches(path, isDirectory))
            {
                matches.Add(new HuntMatch("name", n.IsGlob ? HuntReport.IocPath : HuntReport.SameName, n.IsGlob ? Severity.High : Severity.Medium, path, sha, n.Origin, n.Note));
                return;
            }
        }
    }

    /// <summary>
    /// An image's layers on this host, each walked once (layers are shared between images): no link is followed,
    /// and only regular files of an indicator hash's size are hashed; names are matched on every file.
    /// </summary>
    private async Task<HuntedImage> SweepImageAsync(ImageSummary image, IReadOnlyList<ContainerSummary> containers, Indicators indicators,
        ILookup<string, HashIndicator> byHash, Dictionary<string, (int Files, List<HuntMatch> Matches)> layerCache, CancellationToken cancellationToken)
    {
        var users = containers.Where(c => c.ImageId == image.Id).ToList();
        var ids = users.Select(c => c.Id).ToList();
        var names = users.Select(c => c.Names.Count > 0 ? c.Names[0].TrimStart('/') : c.Id[..12]).ToList();
        ImageInspection inspected;
        try
        {
            inspected = await engine.InspectImageAsync(image.Id, cancellationToken);
        }
        catch (ImageNotFoundException)
        {
            return new HuntedImage(image.Id, image.RepoTags, ids, names, 0, 0, "removed while the hunt ran", []);
        }

        var layers = inspected.LayerDirectories;
        if (!engine.IsOnThisHost() || layers.Count == 0 || !LayerSource.CanRead(layers))
        {
            return new HuntedImage(image.Id, image.RepoTags, ids, names, 0, 0, "its layers are not readable on this host (a remote engine, or not overlay2)", []);
        }

        var files = 0;
        var matches = new List<HuntMatch>();
        var sizes = indicators.HashSizes;
        foreach (var layer in layers)
        {
            if (!layerCache.TryGetValue(layer, out var result))
            {
                result = await Task.Run(() => WalkLayer(layer, indicators, byHash, sizes, cancellationToken), cancellationToken);
                layerCache[layer] = result;
            }

            files += result.Files;
            matches.AddRange(result.Matches.Where(m => !matches.Any(x => x.Path == m.Path && x.Rule == m.Rule)));
        }

        return new HuntedImage(image.Id, image.RepoTags, ids, names, layers.Count, files, null,
            [.. matches.Select(m => m with { Detail = m.Detail + (names.Count == 0 ? "; no container uses this image" : $"; in every container of this image: {string.Join(", ", names)}") })]);
    }

    private static (int Files, List<HuntMatch> Matches) WalkLayer(string layer, Indicators indicators, ILookup<string, HashIndicator> byHash, IReadOnlySet<long> sizes,
        CancellationToken cancellationToken)
    {
        var matches = new List<HuntMatch>();
        var files = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        foreach (var info in new DirectoryInfo(layer).EnumerateFileSystemInfos("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = "/" + Path.GetRelativePath(layer, info.FullName);
            if (info is DirectoryInfo)
            {
                continue;
            }

            files++;
            string? sha = null;
            if (info is FileInfo file && (indicators.HashWithoutSize || sizes.Contains(file.Length)) && Native.LStat(info.FullName) is { Type: HostStat.Regular })
            {
                try
                {
                    using var stream = Native.OpenRegularFile(info.FullName, 1 << 16);
                    sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DockerIRException)
                {
                    continue;
                }

                if (byHash[sha].FirstOrDefault() is { } same)
                {
                    matches.Add(new HuntMatch("file", HuntReport.SameFile, Severity.High, path, sha, same.Origin,
                        $"the same content as {(same.Path is null ? "an IOC hash" : same.Path)} ({same.Note}), in the image's layer {layer}"));
                    continue;
                }
            }

            MatchNames(indicators, path, isDirectory: false, sha, matches);
        }

        return (files, matches);
    }

    /// <summary>A custody line in each case directory the indicators came from: the hunt used its evidence.</summary>
    private async Task RecordInCasesAsync(Indicators indicators, HuntReport report, CancellationToken cancellationToken)
    {
        foreach (var (caseId, content) in indicators.Cases.Where(c => !c.Content.IsBundle))
        {
            var targets = report.Targets;
            await new CustodyLog(Path.Combine(content.Location, CaseDirectory.CustodyFile), caseId, actor, clock).AppendAsync("hunt",
                $"{report.Containers.Count} containers, {report.Images.Count} images", CustodyOutcome.Succeeded,
                $"{report.AllMatches.Count()} matches; containers to respond to: {(targets.Count == 0 ? "none" : string.Join(", ", targets.Select(t => t[..Math.Min(12, t.Length)])))}",
                cancellationToken);
        }
    }
}
