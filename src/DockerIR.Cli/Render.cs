using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using Spectre.Console;

namespace DockerIR.Cli;

/// <summary>Human-readable output shared by the verbs. Every string from a container goes through <see cref="Safe"/>.</summary>
internal static class Render
{
    /// <summary>Escapes hostile text for a terminal and for Spectre markup.</summary>
    public static string Safe(string? text) => Markup.Escape(SafeText.Escape(text));

    public static string ShortId(string id) => EngineIds.Abbreviate(id);

    public static void Changes(IAnsiConsole console, IReadOnlyList<ClassifiedChange> changes)
    {
        if (changes.Count == 0)
        {
            console.MarkupLine("No changes in the container's writable layer.");
            return;
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("KIND").AddColumn("CLASS").AddColumn("PATH").AddColumn("WHY");
        foreach (var c in changes)
        {
            var cls = c.Classification == Classification.Suspicious ? "[red]suspicious[/]" : "[grey]runtime[/]";
            table.AddRow(ChangeKindJsonConverter.Letter(c.Kind), cls, Safe(c.Path), Safe(string.Join(", ", c.Reasons)));
        }

        console.Write(table);
        var suspicious = changes.Count(c => c.Classification == Classification.Suspicious);
        console.MarkupLine($"{changes.Count} changes: [red]{suspicious} suspicious[/], {changes.Count - suspicious} runtime");
    }

    /// <summary>A redeploy plan in full: what is relaunched from where, and every change with its reason.</summary>
    public static void Plan(IAnsiConsole console, RedeployPlan plan)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("suspect", $"{Safe(plan.SuspectName)} ({ShortId(plan.SuspectId)}), kept stopped as {Safe(plan.QuarantineName)}");
        grid.AddRow("original image", $"{Safe(plan.ImageReference)} ({ShortId(plan.ImageId)})");
        grid.AddRow("profile", plan.Profile.ToString().ToLowerInvariant());
        var r = plan.Replacement;
        grid.AddRow("command", Safe(string.Join(' ', (r.Entrypoint ?? []).Concat(r.Cmd ?? []))));
        grid.AddRow("user", Safe(r.User ?? "(image default)"));
        grid.AddRow("ports", Safe(string.Join(", ", r.HostConfig.PortBindings.Select(p => $"{(p.HostIp.Length == 0 ? "0.0.0.0" : p.HostIp)}:{p.HostPort}->{p.ContainerPort}").DefaultIfEmpty("none"))));
        grid.AddRow("networks", Safe(string.Join(", ", new[] { r.HostConfig.NetworkMode ?? "default" }.Concat(r.Networks.Select(n => n.Network)).Concat(plan.ConnectBeforeStart.Select(n => n.Network)).Distinct())));
        grid.AddRow("mounts", Safe(string.Join(", ", r.HostConfig.Binds.DefaultIfEmpty("none"))));
        grid.AddRow("writable", Safe(string.Join(", ", plan.Writable.Select(w => $"{w.Path} ({w.Kind})").DefaultIfEmpty("none"))));
        grid.AddRow("write profile", Safe($"{plan.WriteProfile.Method}: " + string.Join(", ", plan.WriteProfile.Locations.Select(l => $"{l.Path} ({l.Seen.ToString().ToLowerInvariant()})").DefaultIfEmpty("no writes seen"))));
        grid.AddRow("limits", $"memory {r.HostConfig.Memory >> 20} MiB, cpus {(r.HostConfig.NanoCpus > 0 ? r.HostConfig.NanoCpus / 1e9 : (double)r.HostConfig.CpuQuota / Math.Max(1, r.HostConfig.CpuPeriod)):0.##}, pids {r.HostConfig.PidsLimit}, "
            + Safe(string.Join(", ", r.HostConfig.Ulimits.Select(u => $"{u.Name} {u.Soft}:{u.Hard}"))));
        grid.AddRow("probes", Safe(string.Join("; then ", plan.Probes.Select(p => p.ToString()))));
        grid.AddRow("audit fixes", Safe(string.Join(", ", plan.Fixes.Select(f => $"{f.Id} {f.Title}").DefaultIfEmpty("none"))));
        console.Write(grid);
        PlanChanges(console, plan.Changes, plan.Warnings);
    }

    /// <summary>An audit: one table of findings per container, most severe first, then a count.</summary>
    public static void Audit(IAnsiConsole console, Core.Case.AuditReport report)
    {
        console.MarkupLine($"Audit against the {Safe(report.Benchmark ?? "CIS Docker Benchmark (ids of an older dockerir)")} (ids starting with {Core.Case.AuditReport.OwnPrefix} are DockerIR's own)");
        foreach (var c in report.Containers)
        {
            console.MarkupLine($"[bold]{Safe(c.Name)}[/] ({ShortId(c.Id)}, image {Safe(c.Image)}): {c.Findings.Count} findings");
            if (c.Findings.Count == 0)
            {
                continue;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumn("ID").AddColumn("SEVERITY").AddColumn("FINDING").AddColumn("EVIDENCE").AddColumn("FIX");
            foreach (var f in c.Findings.OrderByDescending(f => f.Severity))
            {
                table.AddRow(Safe(f.Id), Severity(f.Severity), Safe(f.Title), Safe(f.Evidence), Safe(f.Remediation));
            }

            console.Write(table);
        }

        var all = report.AllFindings.ToList();
        console.MarkupLine($"{report.Containers.Count} containers, {all.Count} findings: [red]{all.Count(f => f.Severity == Core.Case.Severity.High)} high[/], "
            + $"[yellow]{all.Count(f => f.Severity == Core.Case.Severity.Medium)} medium[/], {all.Count(f => f.Severity == Core.Case.Severity.Low)} low");
    }

    /// <summary>A hunt: one table of every match, by container or image, then what was swept and what a response should take on.</summary>
    public static void Hunt(IAnsiConsole console, Core.Hunt.HuntReport report)
    {
        console.MarkupLine($"Hunt for {report.HashIndicators} hashes, {report.NameIndicators} names, {report.PatternIndicators} patterns, {report.PeerIndicators} peers and the triage rules, from {Safe(string.Join(", ", report.Origins))}");
        var table = new Table().Border(TableBorder.Simple).AddColumn("WHERE").AddColumn("SEVERITY").AddColumn("KIND").AddColumn("RULE").AddColumn("PATH").AddColumn("WHY");
        foreach (var c in report.Containers)
        {
            foreach (var m in c.Matches)
            {
                table.AddRow($"{Safe(c.Name)} ({ShortId(c.Id)})", Severity(m.Severity), m.Kind, Safe(m.Rule), Safe(m.Path), Safe(m.Detail));
            }
        }

        foreach (var i in report.Images)
        {
            foreach (var m in i.Matches)
            {
                table.AddRow($"image {Safe(i.Tags.Count > 0 ? i.Tags[0] : ShortId(i.Id))}", Severity(m.Severity), m.Kind, Safe(m.Rule), Safe(m.Path), Safe(m.Detail));
            }
        }

        if (report.AllMatches.Any())
        {
            console.Write(table);
        }

        foreach (var c in report.Containers.Where(c => c.NotSwept is not null))
        {
            console.MarkupLine($"[yellow]not swept[/]: {Safe(c.Name)}: {Safe(c.NotSwept!)}");
        }

        foreach (var c in report.Containers.Where(c => c.Gaps.Count > 0))
        {
            console.MarkupLine($"[yellow]partly swept[/]: {Safe(c.Name)}: {Safe(string.Join("; ", c.Gaps))}");
        }

        foreach (var i in report.Images.Where(i => i.NotSwept is not null))
        {
            console.MarkupLine($"[yellow]not swept[/]: image {Safe(i.Tags.Count > 0 ? i.Tags[0] : ShortId(i.Id))}: {Safe(i.NotSwept!)}");
        }

        var matched = report.Containers.Count(c => c.Matches.Count > 0);
        console.MarkupLine($"{report.Containers.Count} containers ({report.Containers.Sum(c => c.Files)} files read), {report.Images.Count} images in {report.Seconds:0.00} s: "
            + $"{(matched == 0 ? "[green]no container matched[/]" : $"[red]{matched} containers matched[/]")}, {report.Images.Count(i => i.Matches.Count > 0)} images matched");
        if (report.Targets.Count > 0)
        {
            console.MarkupLine($"respond to: {Safe(string.Join(", ", report.Targets.Select(ShortId)))} (dockerir hunt ... -o hunt.json; dockerir playbook run PLAYBOOK --targets-from hunt.json)");
        }
    }

    /// <summary>A severity in its colour.</summary>
    public static string Severity(Core.Case.Severity severity) => severity switch
    {
        Core.Case.Severity.High => "[red]high[/]",
        Core.Case.Severity.Medium => "[yellow]medium[/]",
        _ => "low",
    };

    /// <summary>Triage findings: the file findings as a table, worst first, then the container-level risks.</summary>
    /// <summary>The findings as a table; with a <paramref name="mark"/> (unverified), every row and the summary carry it.</summary>
    public static void Findings(IAnsiConsole console, IReadOnlyList<Core.Case.TriageFinding> findings, string? mark = null)
    {
        var prefix = mark is null ? "" : $"[bold red]{Safe(mark)}[/] ";
        if (findings.Count == 0)
        {
            console.MarkupLine($"{prefix}[green]triage: no findings[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        if (mark is not null)
        {
            table.AddColumn("CHECKED");
        }

        table.AddColumn("SEVERITY").AddColumn("RULE").AddColumn("PATH").AddColumn("MATCHED").AddColumn("WHY");
        foreach (var f in findings.OrderByDescending(f => f.Severity))
        {
            string[] cells = [Severity(f.Severity), Safe(f.Rule), f.Path is null ? "(container)" : Safe(f.Path), Safe(f.Excerpt), Safe(f.Why)];
            table.AddRow(mark is null ? cells : [$"[bold red]{Safe(mark)}[/]", .. cells]);
        }

        console.Write(table);
        console.MarkupLine($"{prefix}triage: {Safe(Core.Triage.TriageScan.Summary(findings))}");
    }

    /// <summary>A service redeploy plan: the service, its tmpfs, and every change to its spec with the reason.</summary>
    public static void ServicePlan(IAnsiConsole console, ServicePlan plan)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("service", $"{Safe(plan.ServiceName)} ({ShortId(plan.ServiceId)}), version {plan.Version}");
        grid.AddRow("profile", plan.Profile.ToString().ToLowerInvariant());
        grid.AddRow("engine API", Safe(plan.ApiVersion));
        grid.AddRow("tmpfs", Safe(string.Join(", ", plan.Tmpfs.Select(t => t.Path).DefaultIfEmpty("none"))));
        console.Write(grid);
        PlanChanges(console, plan.Changes, plan.Warnings);
    }

    /// <summary>One probe's outcome: what was probed, passed or FAILED, and what it saw.</summary>
    private static string Probe(ProbeResult p) => $"{Safe(p.Probe)}: {(p.Passed ? "[green]passed[/]" : "[red]FAILED[/]")} ({Safe(p.Detail)})";

    /// <summary>Every change of a plan with its reason, then its warnings.</summary>
    private static void PlanChanges(IAnsiConsole console, IReadOnlyList<PlanChange> changes, IReadOnlyList<string> warnings)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("SETTING").AddColumn("BEFORE").AddColumn("AFTER").AddColumn("WHY");
        foreach (var c in changes)
        {
            table.AddRow(Safe(c.Setting), Safe(c.Before), Safe(c.After), Safe(c.Reason));
        }

        console.Write(table);
        foreach (var w in warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Safe(w)}");
        }
    }

    /// <summary>What a service redeploy did: each old task's evidence, the update, and each new task.</summary>
    public static void ServiceOutcome(IAnsiConsole console, ServiceRedeployResult result)
    {
        foreach (var e in result.Evidence)
        {
            console.MarkupLine(e.CaseDir is null
                ? $"task {Safe(e.ContainerName)}: [yellow]no snapshot (--no-evidence)[/]"
                : $"task {Safe(e.ContainerName)}: case {Safe(e.CaseId)}{(e.Adopted ? " (existing)" : "")}, evidence image {ShortId(e.EvidenceImageId ?? "")}");
        }

        foreach (var w in result.EngineWarnings)
        {
            console.MarkupLine($"[yellow]engine warning[/]: {Safe(w)}");
        }

        console.MarkupLine($"update: {Safe(result.UpdateState ?? "no state reported")}");
        foreach (var t in result.Tasks)
        {
            console.MarkupLine($"new task {Safe(t.Name)} ({ShortId(t.ContainerId)}): {(t.Running ? "running" : "[red]not running[/]")}, "
                + $"{(t.ReadonlyRootfs ? "read-only" : "[red]WRITABLE[/]")}, tmpfs {Safe(string.Join(", ", t.Tmpfs.DefaultIfEmpty("none")))}");
        }

        foreach (var p in result.Probes)
        {
            console.MarkupLine($"probe {Probe(p)}");
        }

        if (result.Detail.Length > 0)
        {
            console.MarkupLine($"[red]{Safe(result.Detail)}[/]");
        }
    }

    /// <summary>What a redeploy did: the kept suspect, the replacement and each probe.</summary>
    public static void RedeployOutcome(IAnsiConsole console, RedeployResult result)
    {
        if (result.Preflight is { } preflight)
        {
            console.MarkupLine($"preflight {(preflight.Passed ? "[green]passed[/]" : "[red]FAILED (killed anyway: --force)[/]")}: {Safe(preflight.Detail)}");
        }

        if (result.SuspectKeptAs is not null)
        {
            console.MarkupLine($"suspect kept, stopped, as [bold]{Safe(result.SuspectKeptAs)}[/]");
        }

        console.MarkupLine($"replacement [bold]{Safe(result.Plan.SuspectName)}[/] ({ShortId(result.ReplacementId ?? "")}) runs from {ShortId(result.Plan.ImageId)}, read-only");
        foreach (var p in result.Probes)
        {
            console.MarkupLine($"probe {Probe(p)}");
        }

        if (result.ReplacementLogTail.Count > 0)
        {
            console.MarkupLine("the replacement's last log lines:");
            foreach (var line in result.ReplacementLogTail)
            {
                console.MarkupLine($"  {Safe(line)}");
            }
        }
    }

    /// <summary>The summary of one case's run: case, bundle and its hash, suspicious entries, replacement, probes and every step.</summary>
    public static void RunSummary(IAnsiConsole console, CaseRunResult r)
    {
        console.MarkupLine($"{(r.Succeeded ? "[green]Done[/]" : "[red]Stopped[/]")}: {Safe(r.ContainerName)} ({ShortId(r.ContainerId)}), case [bold]{Safe(r.CaseId)}[/]");
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("case directory", Safe(r.CaseDir));
        grid.AddRow("bundle", r.BundlePath is null ? "none" : Safe(r.BundlePath));
        grid.AddRow("bundle sha256", r.BundleSha256 ?? "none");
        grid.AddRow("evidence", r.EvidenceComplete ? "complete" : "[yellow]incomplete (see manifest.json gaps)[/]");
        grid.AddRow("suspicious", Safe(string.Join(", ", r.Suspicious.DefaultIfEmpty("none"))));
        grid.AddRow("replacement", r.ReplacementId is null ? "none" : $"{Safe(r.ContainerName)} ({ShortId(r.ReplacementId)}), read-only");
        foreach (var p in r.Probes)
        {
            grid.AddRow("probe", Probe(p));
        }

        console.Write(grid);
        var table = new Table().Border(TableBorder.Simple).AddColumn("#").AddColumn("STEP").AddColumn("OUTCOME").AddColumn("DETAIL");
        foreach (var s in r.Steps)
        {
            table.AddRow(s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), Safe(s.Step), Safe(s.Outcome), Safe(s.Detail));
        }

        console.Write(table);
    }
}
