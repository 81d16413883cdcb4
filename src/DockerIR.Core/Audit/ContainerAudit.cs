using System.Globalization;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using static DockerIR.Core.Case.AuditRules;

namespace DockerIR.Core.Audit;

/// <summary>
/// Checks a container's configuration, from its inspect alone (nothing runs inside it), against the hardening
/// concerns of container runtimes. Pure: one inspection in, findings out, against the catalogue in <see cref="AuditRules"/>; each rule tested.
/// </summary>
public static class ContainerAudit
{
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
