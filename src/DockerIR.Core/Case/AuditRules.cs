namespace DockerIR.Core.Case;

/// <summary>One check of the audit: its id (the CIS Docker Benchmark number where there is one), title, severity and fix.</summary>
public sealed record AuditRule(string Id, string Title, Severity Severity, string Remediation);

/// <summary>
/// The audit's catalogue: every check it makes, with its id, title, severity and fix. Data, kept with the records
/// (the audit checks a configuration against it; triage lists its container rules from it; the docs and SARIF name
/// them); the checks themselves are Audit's.
/// </summary>
public static class AuditRules
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
    public static readonly IReadOnlyList<AuditRule> All =
    [
        Privileged, DangerousCapabilities, CapabilitiesNotDropped, SensitiveMount, EngineSocket, RootUser, HostUserns, HostNetwork, HostPid, HostIpc, HostUts,
        NoMemoryLimit, NoCpuLimit, NoPidsLimit, NoUlimits, WritableRoot, NoNewPrivileges, SeccompDisabled, AppArmorDisabled, SelinuxDisabled,
        AllInterfaces, PrivilegedPort, DefaultBridge, RestartAlways, NoHealthcheck, SharedPropagation, HostDevices,
    ];
}
