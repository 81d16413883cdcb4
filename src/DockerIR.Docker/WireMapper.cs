using DockerIR.Core.Engine;
using DockerIR.Docker.Wire;

namespace DockerIR.Docker;

/// <summary>Maps wire DTOs to the port's domain records and back; the only place both shapes meet.</summary>
internal static class WireMapper
{
    public static ContainerInspection ToDomain(ContainerInspectResponse w, byte[] raw)
    {
        var state = w.State ?? new ContainerStateWire();
        var networks = (w.NetworkSettings?.Networks ?? []).Select(kv =>
            new NetworkAttachment(kv.Key, kv.Value.NetworkID, kv.Value.Aliases ?? [], kv.Value.IPAddress)
            {
                MacAddress = kv.Value.MacAddress,
                Gateway = kv.Value.Gateway,
                GlobalIPv6Address = kv.Value.GlobalIPv6Address,
                IPv6Gateway = kv.Value.IPv6Gateway,
            }).ToList();
        return new ContainerInspection(
            w.Id,
            w.Name.TrimStart('/'),
            w.Created ?? "",
            w.Image,
            new ContainerState(state.Status ?? "unknown", state.Running, state.Paused, state.Restarting, state.Dead, state.Pid, state.ExitCode,
                state.StartedAt, state.FinishedAt, state.Health?.Status),
            ToDomain(w.Config),
            ToDomain(w.HostConfig),
            (w.Mounts ?? []).Select(m => new MountInfo(m.Type ?? "", m.Name, m.Source, m.Destination ?? "", m.RW, m.Mode, m.Propagation)).ToList(),
            networks,
            ToBindings(w.NetworkSettings?.Ports),
            new GraphDriverInfo(w.GraphDriver?.Name ?? "", w.GraphDriver?.Data ?? []),
            raw);
    }

    public static ImageInspection ToDomain(ImageInspectResponse w, byte[] raw) =>
        new(w.Id, w.RepoTags ?? [], w.Created ?? "", w.Size, ToDomain(w.Config), new GraphDriverInfo(w.GraphDriver?.Name ?? "", w.GraphDriver?.Data ?? []), raw);

    public static ContainerConfigInfo ToDomain(ContainerConfigWire? c)
    {
        c ??= new ContainerConfigWire();
        return new ContainerConfigInfo(
            c.Hostname, c.User, c.Env ?? [], c.Cmd, c.Entrypoint, c.WorkingDir, c.Image,
            c.Labels ?? [],
            (c.ExposedPorts ?? []).Keys.Order(StringComparer.Ordinal).ToList(),
            (c.Volumes ?? []).Keys.Order(StringComparer.Ordinal).ToList(),
            c.Healthcheck is { } h ? new HealthcheckSpec(h.Test ?? [], h.Interval, h.Timeout, h.StartPeriod, h.Retries) : null,
            c.StopSignal, c.Tty, c.OpenStdin);
    }

    public static HostConfigInfo ToDomain(HostConfigWire? h)
    {
        h ??= new HostConfigWire();
        return new HostConfigInfo
        {
            Binds = h.Binds ?? [],
            NetworkMode = h.NetworkMode,
            PortBindings = ToBindings(h.PortBindings),
            RestartPolicy = h.RestartPolicy?.Name,
            RestartMaxRetries = h.RestartPolicy?.MaximumRetryCount ?? 0,
            AutoRemove = h.AutoRemove,
            CapAdd = h.CapAdd ?? [],
            CapDrop = h.CapDrop ?? [],
            Privileged = h.Privileged,
            PublishAllPorts = h.PublishAllPorts,
            ReadonlyRootfs = h.ReadonlyRootfs,
            SecurityOpt = h.SecurityOpt ?? [],
            Tmpfs = h.Tmpfs ?? [],
            IpcMode = h.IpcMode,
            PidMode = h.PidMode,
            UtsMode = h.UTSMode,
            UsernsMode = h.UsernsMode,
            CgroupnsMode = h.CgroupnsMode,
            Memory = h.Memory,
            MemorySwap = h.MemorySwap,
            NanoCpus = h.NanoCpus,
            CpuShares = h.CpuShares,
            CpuQuota = h.CpuQuota,
            CpuPeriod = h.CpuPeriod,
            PidsLimit = h.PidsLimit,
            Ulimits = (h.Ulimits ?? []).Select(u => new UlimitSpec(u.Name, u.Soft, u.Hard)).ToList(),
            Devices = (h.Devices ?? []).Select(d => $"{d.PathOnHost}:{d.PathInContainer}:{d.CgroupPermissions}").ToList(),
            ExtraHosts = h.ExtraHosts ?? [],
            Dns = h.Dns ?? [],
            Init = h.Init,
            ShmSize = h.ShmSize,
        };
    }

    public static ContainerCreateRequest ToWire(ContainerSpec s)
    {
        var h = s.HostConfig;
        var request = new ContainerCreateRequest
        {
            Image = s.Image,
            Cmd = s.Cmd?.ToList(),
            Entrypoint = s.Entrypoint?.ToList(),
            Env = [.. s.Env],
            WorkingDir = s.WorkingDir,
            User = s.User,
            Hostname = s.Hostname,
            Labels = new Dictionary<string, string>(s.Labels),
            ExposedPorts = s.ExposedPorts.Count == 0 ? null : s.ExposedPorts.ToDictionary(p => p, _ => new EmptyObject()),
            Healthcheck = s.Healthcheck is { } hc
                ? new HealthConfigWire { Test = [.. hc.Test], Interval = hc.IntervalNanos, Timeout = hc.TimeoutNanos, StartPeriod = hc.StartPeriodNanos, Retries = hc.Retries }
                : null,
            StopSignal = s.StopSignal,
            Tty = s.Tty,
            HostConfig = new HostConfigWire
            {
                Binds = h.Binds.Count == 0 ? null : [.. h.Binds],
                NetworkMode = h.NetworkMode,
                PortBindings = h.PortBindings.Count == 0 ? null : h.PortBindings
                    .GroupBy(p => p.ContainerPort)
                    .ToDictionary(g => g.Key, g => (List<PortBindingWire>?)g.Select(p => new PortBindingWire { HostIp = p.HostIp, HostPort = p.HostPort }).ToList()),
                RestartPolicy = h.RestartPolicy is null ? null : new RestartPolicyWire { Name = h.RestartPolicy, MaximumRetryCount = h.RestartMaxRetries },
                AutoRemove = h.AutoRemove,
                CapAdd = h.CapAdd.Count == 0 ? null : [.. h.CapAdd],
                CapDrop = h.CapDrop.Count == 0 ? null : [.. h.CapDrop],
                Privileged = h.Privileged,
                PublishAllPorts = h.PublishAllPorts,
                ReadonlyRootfs = h.ReadonlyRootfs,
                SecurityOpt = h.SecurityOpt.Count == 0 ? null : [.. h.SecurityOpt],
                Tmpfs = h.Tmpfs.Count == 0 ? null : new Dictionary<string, string>(h.Tmpfs),
                IpcMode = h.IpcMode,
                PidMode = h.PidMode,
                UTSMode = h.UtsMode,
                UsernsMode = h.UsernsMode,
                CgroupnsMode = h.CgroupnsMode,
                Memory = h.Memory,
                MemorySwap = h.MemorySwap,
                NanoCpus = h.NanoCpus,
                CpuShares = h.CpuShares,
                CpuQuota = h.CpuQuota,
                CpuPeriod = h.CpuPeriod,
                PidsLimit = h.PidsLimit,
                Ulimits = h.Ulimits.Count == 0 ? null : h.Ulimits.Select(u => new UlimitWire { Name = u.Name, Soft = u.Soft, Hard = u.Hard }).ToList(),
                ExtraHosts = h.ExtraHosts.Count == 0 ? null : [.. h.ExtraHosts],
                Dns = h.Dns.Count == 0 ? null : [.. h.Dns],
                Init = h.Init,
                ShmSize = h.ShmSize,
            },
        };
        if (s.Networks.Count > 0)
        {
            request.NetworkingConfig = new NetworkingConfigWire
            {
                EndpointsConfig = s.Networks.ToDictionary(n => n.Network, n => new EndpointSettingsWire { Aliases = n.Aliases.Count == 0 ? null : [.. n.Aliases] }),
            };
        }

        return request;
    }

    private static List<PortBinding> ToBindings(Dictionary<string, List<PortBindingWire>?>? ports) =>
        (ports ?? [])
            .SelectMany(kv => (kv.Value ?? []).Select(b => new PortBinding(kv.Key, b.HostIp ?? "", b.HostPort ?? "")))
            .OrderBy(p => p.ContainerPort, StringComparer.Ordinal)
            .ToList();

    public static PathStat ToDomain(PathStatWire w) => new(w.Name ?? "", w.Size, w.Mode, w.Mtime ?? "", w.LinkTarget ?? "");
}
