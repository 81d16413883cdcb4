using Serilog;

namespace DockerIR.Core;

/// <summary>
/// Every message the tool logs, in one place: one method per event, with its level and its template, so the words a
/// responder reads on stderr (and `--debug` adds) are kept together and a template cannot drift from its arguments.
/// No other file writes a log template (the architecture tests look).
/// </summary>
public static class LogEvents
{
    // The engine (src/DockerIR.Docker): one Debug line per request, so --debug shows what the tool asked the engine.

    public static void EngineAnswered(this ILogger log, HttpMethod method, string? path, int status, double milliseconds) =>
        log.Debug("Engine {Method} {Path}: HTTP {Status} in {Milliseconds:0} ms", method, path, status, milliseconds);

    public static void EngineDidNotAnswer(this ILogger log, HttpMethod method, string? path, string why) =>
        log.Debug("Engine {Method} {Path}: no answer ({Message})", method, path, why);

    // Snapshot.

    public static void CaseOpened(this ILogger log, string caseId, string caseDir, string container) =>
        log.Information("Opened case {CaseId} in {CaseDir} for {Container}", caseId, caseDir, container);

    public static void Paused(this ILogger log, string container, long milliseconds) =>
        log.Information("Paused {Container} {Milliseconds} ms after the command started", container, milliseconds);

    public static void HostProcessesRead(this ILogger log, int processes, int programs, int deleted, int sockets, string container, long milliseconds) =>
        log.Information("Read {Processes} processes, {Programs} programs ({Deleted} deleted) and {Sockets} sockets of {Container} from the host's /proc in {Milliseconds} ms",
            processes, programs, deleted, sockets, container, milliseconds);

    public static void ChangesRead(this ILogger log, int count, string container, int suspicious) =>
        log.Information("Read {Count} changes of {Container}, {Suspicious} suspicious", count, container, suspicious);

    public static void WaitingForInterruptedCommit(this ILogger log, string caseId, double seconds) =>
        log.Information("An interrupted run of case {CaseId} started a commit it did not see end; waiting up to {Seconds} s for its evidence image", caseId, seconds);

    public static void Committed(this ILogger log, string container, string imageId) =>
        log.Information("Committed {Container} as {ImageId}", container, imageId);

    // Extraction, evidence, views.

    public static void Extracting(this ILogger log, int count, string caseId, string after, string before) =>
        log.Information("Extracting {Count} changes of case {CaseId}: after from {After}, originals from {Before}", count, caseId, after, before);

    public static void Extracted(this ILogger log, int members, long bytes, int diffs, double seconds) =>
        log.Information("Stored {Members} members ({Bytes} bytes), {Diffs} diffs in {Seconds:0.00} s", members, bytes, diffs, seconds);

    public static void LayerSourceNotUsable(this ILogger log, string why) =>
        log.Information("Layer source not usable ({Why}); reading through the archive endpoint", why);

    public static void Hashed(this ILogger log, int count, string caseId) =>
        log.Information("Hashed {Count} files of case {CaseId} into SHA256SUMS", count, caseId);

    public static void Bundled(this ILogger log, string caseId, string bundle, long bytes) =>
        log.Information("Bundled case {CaseId} into {Bundle} ({Bytes} bytes)", caseId, bundle, bytes);

    public static void BundleSigned(this ILogger log, string bundle, string keyType, string fingerprint) =>
        log.Information("Signed {Bundle} with {KeyType} key {Fingerprint}", bundle, keyType, fingerprint);

    public static void TriageFailed(this ILogger log, string error) =>
        log.Warning("Triage failed, no findings.json: {Error}", error);

    public static void ViewsFailed(this ILogger log, string error) =>
        log.Warning("No timeline or report written: {Error}", error);

    public static void ReportPrinted(this ILogger log, string caseOrBundle, string pdf) =>
        log.Information("Printed the report of {Case} to {Pdf}", caseOrBundle, pdf);

    public static void Hunted(this ILogger log, int containers, int images, double seconds, int matches) =>
        log.Information("Hunted {Containers} containers and {Images} images in {Seconds:0.00} s: {Matches} matches", containers, images, seconds, matches);

    // Response.

    public static void StepFailed(this ILogger log, string step, string container, string message) =>
        log.Warning("Step {Step} failed for {Container}: {Message}", step, container, message);

    public static void NoPlanBeforeSealing(this ILogger log, string container, string message) =>
        log.Warning("No redeploy plan for {Container} before sealing: {Message}", container, message);

    // Redeploy and containment.

    public static void WriteProfileFromCache(this ILogger log, string image, int count, string from) =>
        log.Information("Write profile of {Image}: {Count} places, kept from the canary of {From} (no canary needed; the preflight still runs)", image, count, from);

    public static void WriteProfileLearned(this ILogger log, string image, int count, string method) =>
        log.Information("Write profile of {Image}: {Count} places, from {Method}", image, count, method);

    public static void NoCanary(this ILogger log, string message) =>
        log.Warning("No canary of the original image could run: {Message}", message);

    public static void WriteProfileCacheEntryIgnored(this ILogger log, string path, string why) =>
        log.Debug("Ignoring the write-profile cache entry {Path}: {Message}", path, why);

    public static void WriteProfileNotCached(this ILogger log, string path, string message) =>
        log.Warning("Could not keep the write profile in the cache {Path}: {Message}", path, message);

    public static void CanaryCreated(this ILogger log, string container, string name) =>
        log.Debug("Created canary {Container} as {Name}", container, name);

    public static void CanaryNotRemoved(this ILogger log, string container, string message) =>
        log.Warning("Could not remove canary {Container}: {Message}", container, message);

    public static void PreflightFailedWithCachedProfile(this ILogger log, string detail) =>
        log.Warning("The replacement failed its preflight with the cached write profile ({Detail}); learning it again with a canary", detail);

    public static void PreflightPassed(this ILogger log, string detail) =>
        log.Information("The replacement passed its preflight: {Detail}", detail);

    public static void PreflightFailedForced(this ILogger log, string detail) =>
        log.Warning("The replacement failed its preflight; killing anyway (--force): {Detail}", detail);

    public static void Killed(this ILogger log, string container) =>
        log.Information("Killed {Container}", container);

    public static void ReplacementStarted(this ILogger log, string container, string name) =>
        log.Information("Started replacement {Container} as {Name}", container, name);

    public static void NeighbourLearned(this ILogger log, System.Net.IPAddress address, string? mac, string nic) =>
        log.Debug("Told the host's neighbour table that {Address} is at {Mac} on {Interface}", address, mac, nic);

    public static void NeighbourNotLearned(this ILogger log, System.Net.IPAddress address, string nic, string reason) =>
        log.Debug("Could not tell the host's neighbour table where {Address} is on {Interface}: {Reason}", address, nic, reason);

    public static void ServiceUpdated(this ILogger log, string service) =>
        log.Information("Updated service {Service} to a read-only, hardened spec", service);

    public static void Contained(this ILogger log, string container, string actions) =>
        log.Information("Contained {Container}: {Actions}", container, actions);

    public static void DemoCleanUpIncomplete(this ILogger log, string message) =>
        log.Warning("Demo clean-up incomplete: {Message}", message);
}
