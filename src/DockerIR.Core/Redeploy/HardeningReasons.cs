using DockerIR.Core.Audit;

namespace DockerIR.Core.Redeploy;

/// <summary>Why a relaunch changes a setting: one wording for the container plan and the service plan.</summary>
public static class HardeningReasons
{
    public const string ReadOnly = "CIS 5.13: a read-only root filesystem, so the attacker cannot write a web shell or deface the site again";
    public const string Memory = "CIS 5.11: a memory limit, so the container cannot exhaust the host";
    public const string Cpu = "CIS 5.12: a CPU limit, so a miner or a loop cannot starve the host";
    public const string Pids = "CIS 5.29: a pids limit stops fork bombs";
    public const string Ulimits = "CIS 5.19: bounded open files and processes";
    public const string NoNewPrivileges = "CIS 5.26: setuid binaries cannot raise a process's privileges";
    public const string SharedPropagation = "CIS 5.20: shared propagation lets mounts leak to the host";

    /// <summary>Why a bind of this (sensitive) host path is removed.</summary>
    public static string HostMount(string source) => HostExposure.IsEngineSocket(source)
        ? "CIS 5.32: the engine's socket gives whoever holds it root on the host"
        : "CIS 5.6: a sensitive host directory gives the container the host";
}
