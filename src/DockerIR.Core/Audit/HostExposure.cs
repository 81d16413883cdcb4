using DockerIR.Core.Engine;

namespace DockerIR.Core.Audit;

/// <summary>
/// What on the host a container must not reach: the sensitive host paths and the engine's socket, and the
/// capabilities Docker grants by default, what counts as root, and the ulimits a container should have. One definition
/// for the audit and the redeploy plan (which fixes what the audit finds).
/// </summary>
public static class HostExposure
{
    /// <summary>Host paths that give a container the host when mounted (exactly these, or anything beneath the kernel's own trees).</summary>
    public static readonly IReadOnlyList<string> SensitivePaths = ["/", "/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/root", "/var/lib/docker"];

    private static readonly string[] SensitiveTrees = ["/proc", "/sys", "/dev", "/boot", "/var/lib/docker"];

    /// <summary>Capabilities in Docker's default set; anything else added is an escalation.</summary>
    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ];

    /// <summary>Ulimits set when the suspect had none. Kept below a stock dockerd's own limits: a container cannot raise a hard limit above its engine's.</summary>
    public static readonly IReadOnlyList<UlimitSpec> DefaultUlimits = [new("nofile", 4096, 8192), new("nproc", 2048, 4096)];

    /// <summary>True for a user that is root: empty, root, 0, or root's group forms.</summary>
    public static bool IsRootUser(string? user) =>
        string.IsNullOrEmpty(user) || user is "root" or "0" || user.StartsWith("root:", StringComparison.Ordinal) || user.StartsWith("0:", StringComparison.Ordinal);

    /// <summary>True when a host path is the engine's API socket.</summary>
    public static bool IsEngineSocket(string hostPath)
    {
        ArgumentNullException.ThrowIfNull(hostPath);
        var name = hostPath.TrimEnd('/');
        return name.EndsWith("/docker.sock", StringComparison.Ordinal) || name.EndsWith("/containerd.sock", StringComparison.Ordinal)
            || name is "/var/run/docker" or "/run/docker" or "/run/containerd" or "/var/run/containerd";
    }

    /// <summary>True when mounting this host path into a container exposes the host.</summary>
    public static bool IsSensitive(string hostPath)
    {
        ArgumentNullException.ThrowIfNull(hostPath);
        var normalized = hostPath.Length > 1 ? hostPath.TrimEnd('/') : hostPath;
        return IsEngineSocket(normalized) || SensitivePaths.Contains(normalized)
            || SensitiveTrees.Any(t => normalized.StartsWith(t + "/", StringComparison.Ordinal));
    }

    /// <summary>True when the security options turn no-new-privileges on, in any of the forms the engine accepts.</summary>
    public static bool HasNoNewPrivileges(IEnumerable<string> securityOpt) =>
        securityOpt.Any(o => o is "no-new-privileges" or "no-new-privileges:true" or "no-new-privileges=true");

    /// <summary>A capability name as the engine writes it, without a CAP_ prefix, upper case.</summary>
    public static string NormalizeCapability(string cap)
    {
        ArgumentNullException.ThrowIfNull(cap);
        var upper = cap.Trim().ToUpperInvariant();
        return upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper[4..] : upper;
    }
}
