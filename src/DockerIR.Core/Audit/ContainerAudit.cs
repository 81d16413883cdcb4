using System.Globalization;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;

namespace DockerIR.Core.Audit;

/// <summary>One check of the audit: its id (the CIS Docker Benchmark number where there is one), title, severity and fix.</summary>
public sealed record AuditRule(string Id, string Title, Severity Severity, string Remediation);


/// <summary>
/// Checks a container's configuration, from its inspect alone (nothing runs inside it), against the hardening
/// concerns of container runtimes. Pure: one inspection in, findings out; one rule table, each rule tested.
/// </summary>
public static class ContainerAudit
{
    /// <summary>
    /// The benchmark the ids are from: section 5 (and 4.1) as CIS Docker Benchmark v1.6.0 and docker-bench-security
    /// number them. A rule that is ours and not the benchmark's has an id starting with <see cref="AuditReport.OwnPrefix"/>.
    /// </summary>
    public const string Benchmark = "CIS Docker Benchmark v1.6.0";

    public static readonly AuditRule Privileged = new("5.5", "Privileged container", Severity.High, "remove --privileged; add only the capabilities it needs with --cap-add");
    public static readonly AuditRule DangerousCapabilities = new("5.4", "Capabilities beyond Docker's default set added", Severity.High, "remove the --cap-add of these capabilities");
    public static readonly AuditRule CapabilitiesNotDropped = new("DIR-CAPDROP", "Capabilities attackers use are not dropped (NET_RAW, MKNOD, AUDIT_WRITE)", Severity.Low, "--cap-drop ALL --cap-add <only what it needs> (at least --cap-drop NET_RAW)");
    public static readonly AuditRule SensitiveMount = new("5.6", "Sensitive host directory mounted", Severity.High, "do not mount host system directories; mount only the data directory it needs, read-only (:ro)");
    public static readonly AuditRule EngineSocket = new("5.32", "The Docker socket is mounted", Severity.High, "remove -v /var/run/docker.sock:...: whoever holds the socket is root on the host");
    public static readonly AuditRule RootUser = new("4.1", "Runs as root", Severity.Medium, "--user UID:GID (or a USER in the image)");
    public static readonly AuditRule HostUserns = new("5.31", "Host user namespace shared", Severity.Medium, "remove --userns=host");
    public static readonly AuditRule HostNetwork = new("5.10", "Host network namespace shared", Severity.High, "remove --network host; publish the ports it needs with -p");
    public static readonly AuditRule HostPid = new("5.16", "Host PID namespace shared", Severity.High, "remove --pid host");
    public static readonly AuditRule HostIpc = new("5.17", "Host IPC namespace shared", Severity.High, "remove --ipc host");
    public static readonly AuditRule HostUts = new("5.21", "Host UTS namespace shared", Severity.Medium, "remove --uts host");
    public static readonly AuditRule NoMemoryLimit = new("5.11", "No memory limit", Severity.Medium, "--memory 512m (and --memory-swap equal to it)");
    public static readonly AuditRule NoCpuLimit = new("5.12", "No CPU limit or shares", Severity.Low, "--cpus 1 (or --cpu-shares)");
    public static readonly AuditRule NoPidsLimit = new("5.29", "No pids limit", Severity.Medium, "--pids-limit 256");
    public static readonly AuditRule NoUlimits = new("5.19", "No nofile/nproc ulimits", Severity.Low, "--ulimit nofile=4096:8192 --ulimit nproc=2048:4096");
    public static readonly AuditRule WritableRoot = new("5.13", "Root filesystem is writable", Severity.Medium, "--read-only with --tmpfs for the paths it writes");
    public static readonly AuditRule NoNewPrivileges = new("5.26", "Processes can gain privileges (no-new-privileges not set)", Severity.Medium, "--security-opt no-new-privileges");
    public static readonly AuditRule SeccompDisabled = new("5.22", "Seccomp disabled", Severity.High, "remove --security-opt seccomp=unconfined");
    public static readonly AuditRule AppArmorDisabled = new("5.2", "AppArmor disabled", Severity.High, "remove --security-opt apparmor=unconfined");
    public static readonly AuditRule SelinuxDisabled = new("5.3", "SELinux labels disabled", Severity.Medium, "remove --security-opt label=disable");
    public static readonly AuditRule AllInterfaces = new("5.14", "Port published on all host interfaces", Severity.Medium, "-p 127.0.0.1:HOST:CONTAINER (bind to one address)");
    public static readonly AuditRule PrivilegedPort = new("5.8", "Privileged host port (below 1025) published", Severity.Low, "publish on a host port above 1024");
    public static readonly AuditRule DefaultBridge = new("5.30", "On the default bridge network", Severity.Low, "--network <user-defined network> so other containers cannot reach it");
    public static readonly AuditRule RestartAlways = new("5.15", "Restarts forever", Severity.Low, "--restart on-failure:5");
    public static readonly AuditRule NoHealthcheck = new("5.27", "No healthcheck", Severity.Low, "--health-cmd (or a HEALTHCHECK in the image)");
    public static readonly AuditRule SharedPropagation = new("5.20", "Mount propagation shared with the host", Severity.Medium, "remove the shared/rshared propagation option of the mount");
    public static readonly AuditRule HostDevices = new("5.18", "Host devices exposed", Severity.Medium, "remove --device");

    /// <summary>Every rule, in the order findings are listed.</summary>
    public static readonly IReadOnlyList<AuditRule> Rules =
    [
        Privileged, DangerousCapabilities, CapabilitiesNotDropped, SensitiveMount, EngineSocket, RootUser, HostUserns, HostNetwork, HostPid, HostIpc, HostUts,
        NoMemoryLimit, NoCpuLimit, NoPidsLimit, NoUlimits, WritableRoot, NoNewPrivileges, SeccompDisabled, AppArmorDisabled, SelinuxDisabled,
        AllInterfaces, PrivilegedPort, DefaultBridge, RestartAlways, NoHealthcheck, SharedPropagation, HostDevices,
    ];

    private static readonly string[] AttackerCapabilities = ["NET_RAW", "MKNOD", "AUDIT_WRITE"];

    public static IReadOnlyList<AuditFinding> Check(ContainerInspection container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var h = container.HostConfig;
        var found = new List<AuditFinding>();
        void Add(AuditRule rule, string evidence) =>
            found.Add(new AuditFinding(rule.Id, rule.Title, rule.Severity, container.Name, container.Id, evidence, rule.Remediation));

        if (h.Privileged)
        {
            Add(Privileged, "HostConfig.Privileged=true");
        }

        var added = h.CapAdd.Select(HostExposure.NormalizeCapability).ToList();
        var beyond = added.Where(c => c == "ALL" || !HostExposure.DefaultCapabilities.Contains(c)).ToList();
        if (beyond.Count > 0)
        {
            Add(DangerousCapabilities, $"HostConfig.CapAdd=[{string.Join(",", beyond)}]");
        }

        var dropped = h.CapDrop.Select(HostExposure.NormalizeCapability).ToList();
        var kept = AttackerCapabilities.Where(c => !dropped.Contains(c) && !dropped.Contains("ALL")).ToList();
        if (!h.Privileged && kept.Count > 0)
        {
            Add(CapabilitiesNotDropped, $"HostConfig.CapDrop=[{string.Join(",", dropped)}] keeps {string.Join(",", kept)}");
        }

        foreach (var m in container.Mounts.Where(m => m.Type == "bind" && m.Source is { Length: > 0 }))
        {
            if (HostExposure.IsEngineSocket(m.Source!))
            {
                Add(EngineSocket, $"Mounts: {m.Source} at {m.Destination}{(m.ReadWrite ? "" : " (ro)")}");
            }
            else if (HostExposure.IsSensitive(m.Source!))
            {
                Add(m.ReadWrite ? SensitiveMount : SensitiveMount with { Severity = Severity.Medium },
                    $"Mounts: {m.Source} at {m.Destination}, {(m.ReadWrite ? "read-write" : "read-only")}");
            }

            if (m.Propagation is "shared" or "rshared")
            {
                Add(SharedPropagation, $"Mounts: {m.Source} at {m.Destination}, propagation {m.Propagation}");
            }
        }

        if (HostExposure.IsRootUser(container.Config.User))
        {
            Add(RootUser, $"Config.User={(string.IsNullOrEmpty(container.Config.User) ? "\"\" (root)" : container.Config.User)}");
        }

        CheckNamespace(h.UsernsMode, "UsernsMode", HostUserns, Add);
        CheckNamespace(h.NetworkMode, "NetworkMode", HostNetwork, Add);
        CheckNamespace(h.PidMode, "PidMode", HostPid, Add);
        CheckNamespace(h.IpcMode, "IpcMode", HostIpc, Add);
        CheckNamespace(h.UtsMode, "UTSMode", HostUts, Add);

        if (h.Memory <= 0)
        {
            Add(NoMemoryLimit, "HostConfig.Memory=0");
        }

        if (h.NanoCpus <= 0 && h.CpuQuota <= 0 && h.CpuShares <= 0)
        {
            Add(NoCpuLimit, "HostConfig.NanoCpus=0, CpuQuota=0, CpuShares=0");
        }

        if (h.PidsLimit is not > 0)
        {
            Add(NoPidsLimit, $"HostConfig.PidsLimit={(h.PidsLimit?.ToString(CultureInfo.InvariantCulture) ?? "null")}");
        }

        var missingUlimits = HostExposure.DefaultUlimits.Select(d => d.Name).Where(n => !h.Ulimits.Any(u => u.Name == n)).ToList();
        if (missingUlimits.Count > 0)
        {
            Add(NoUlimits, $"HostConfig.Ulimits has no {string.Join(", ", missingUlimits)}");
        }

        if (!h.ReadonlyRootfs)
        {
            Add(WritableRoot, "HostConfig.ReadonlyRootfs=false");
        }

        var opts = h.SecurityOpt.Select(o => o.Replace(':', '=').ToLowerInvariant()).ToList();
        if (!HostExposure.HasNoNewPrivileges(h.SecurityOpt))
        {
            Add(NoNewPrivileges, $"HostConfig.SecurityOpt=[{string.Join(",", h.SecurityOpt)}]");
        }

        if (opts.Contains("seccomp=unconfined"))
        {
            Add(SeccompDisabled, "HostConfig.SecurityOpt contains seccomp=unconfined");
        }

        if (opts.Contains("apparmor=unconfined"))
        {
            Add(AppArmorDisabled, "HostConfig.SecurityOpt contains apparmor=unconfined");
        }

        if (opts.Contains("label=disable"))
        {
            Add(SelinuxDisabled, "HostConfig.SecurityOpt contains label=disable");
        }

        var ports = h.PublishAllPorts ? container.PublishedPorts : h.PortBindings;
        foreach (var p in ports.DistinctBy(p => (p.ContainerPort, p.HostIp, p.HostPort)))
        {
            if (p.HostIp is "" or "0.0.0.0" or "::")
            {
                Add(AllInterfaces, $"port {p.ContainerPort} published on {(p.HostIp.Length == 0 ? "0.0.0.0" : p.HostIp)}:{(p.HostPort.Length == 0 ? "(any)" : p.HostPort)}");
            }

            if (int.TryParse(p.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 1025)
            {
                Add(PrivilegedPort, $"port {p.ContainerPort} published on host port {port}");
            }
        }

        if (h.NetworkMode is "bridge" or "default" || container.Networks.Any(n => n.Network == "bridge"))
        {
            Add(DefaultBridge, $"HostConfig.NetworkMode={h.NetworkMode}");
        }

        if (h.RestartPolicy is "always" or "unless-stopped")
        {
            Add(RestartAlways, $"HostConfig.RestartPolicy.Name={h.RestartPolicy}");
        }

        if (container.Config.Healthcheck is not { Test.Count: > 0 } hc || hc.Test[0] == "NONE")
        {
            Add(NoHealthcheck, "Config.Healthcheck is not set");
        }

        if (h.Devices.Count > 0)
        {
            Add(HostDevices, $"HostConfig.Devices=[{string.Join(",", h.Devices)}]");
        }

        return found;
    }

    /// <summary>True when a finding is at or above the threshold.</summary>
    public static bool AtLeast(this AuditFinding finding, Severity threshold)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Severity >= threshold;
    }

    private static void CheckNamespace(string? mode, string field, AuditRule rule, Action<AuditRule, string> add)
    {
        if (mode == "host")
        {
            add(rule, $"HostConfig.{field}=host");
        }
    }
}
