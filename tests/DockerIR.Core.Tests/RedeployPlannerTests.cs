using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;

namespace DockerIR.Core.Tests;

public sealed class RedeployPlannerTests
{
    private const string Id = "c0ffee0000000000000000000000000000000000000000000000000000000001";

    private static ContainerInspection Suspect(Func<HostConfigInfo, HostConfigInfo>? host = null, IReadOnlyList<MountInfo>? mounts = null,
        IReadOnlyList<PortBinding>? published = null, IReadOnlyList<NetworkAttachment>? networks = null, ContainerConfigInfo? config = null)
    {
        var c = FakeEngine.Container(Id, "web");
        return c with
        {
            HostConfig = (host ?? (h => h))(c.HostConfig with { NetworkMode = "bridge" }),
            Mounts = mounts ?? [],
            PublishedPorts = published ?? [],
            Networks = networks ?? [new NetworkAttachment("bridge", "n1", [], "172.17.0.2")],
            Config = config ?? c.Config,
        };
    }

    private static ClassifiedChange Change(string path, ChangeKind kind = ChangeKind.Added) =>
        ChangeClassifier.ClassifyOne(new ChangeEntry(path, kind));

    private static RedeployPlan Plan(ContainerInspection suspect, IReadOnlyList<ClassifiedChange>? changes = null, RedeployOptions? options = null,
        IReadOnlyList<string>? users = null, ImageInspection? image = null) =>
        RedeployPlanner.Plan(new RedeployInput("case-1", suspect, image, changes ?? [], users ?? []), options ?? new RedeployOptions());

    [Fact]
    public void Plan_AnySuspect_RunsTheOriginalImageIdReadOnlyUnderTheOriginalName()
    {
        var suspect = Suspect();

        var plan = Plan(suspect);

        Assert.Equal(suspect.ImageId, plan.Replacement.Image);
        Assert.True(plan.Replacement.HostConfig.ReadonlyRootfs);
        Assert.Equal("web", plan.SuspectName);
        Assert.Equal("web.compromised-case-1", plan.QuarantineName);
        Assert.Equal(Id, plan.Replacement.Labels[RedeployPlanner.LabelReplaces]);
        Assert.Contains(plan.Changes, c => c.Setting == "ReadonlyRootfs" && c.Reason.StartsWith("CIS 5.13", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_RuntimeWritesWhereTheImageHasNothing_GetTmpfsWithTheDirectorysOwnerAndMode()
    {
        var profile = new WriteProfile("test", [], [new ImageDir("/var/run", true, 0, 0x1ED, 0, 0), new ImageDir("/tmp", true, 0, 0x3FF, 0, 0)], []);
        var input = new RedeployInput("case-1", Suspect(), null, [Change("/var/run/httpd.pid"), Change("/tmp/sess_1"), Change("/var/www/html/shell.php")], []) { Profile = profile };

        var plan = RedeployPlanner.Plan(input, new RedeployOptions());

        Assert.Equal(["/tmp", "/var/run"], plan.Tmpfs.Select(t => t.Path).Order(StringComparer.Ordinal));
        Assert.Equal(RedeployPlanner.TmpfsOptions + ",mode=755,uid=0,gid=0", plan.Replacement.HostConfig.Tmpfs["/var/run"]);
        Assert.DoesNotContain(plan.Writable, t => t.Path.StartsWith("/var/www", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_CanaryWritesWhereTheSuspectsDiffIsSuspicious_StillGetAMount()
    {
        // nginx makes /var/lib/nginx/body at start; in the suspect's diff that path is "suspicious" (not a runtime dir), yet the clean image's canary writes it.
        var profile = new WriteProfile("test", [new WriteLocation("/var/lib/nginx/body", WriteSeen.Canary, true, "/var/lib/nginx/body")], [], []);
        var input = new RedeployInput("case-1", Suspect(), null, [Change("/var/lib/nginx/body"), Change("/usr/local/bin/kworkerd")], []) { Profile = profile };

        var plan = RedeployPlanner.Plan(input, new RedeployOptions());

        Assert.Equal(["/var/lib/nginx/body"], plan.Writable.Select(w => w.Path));
        Assert.Equal(WritableMount.Tmpfs, plan.Writable[0].Kind);
    }

    [Fact]
    public void Plan_RuntimeWritesWithoutImageFacts_GetAVolumeThatHidesNothing()
    {
        var plan = Plan(Suspect(), [Change("/var/run/httpd.pid")]);

        var mount = Assert.Single(plan.Writable);
        Assert.Equal(("/var/run", WritableMount.Volume), (mount.Path, mount.Kind));
        Assert.Empty(plan.Tmpfs);
        Assert.Contains(plan.CreateBody.GetProperty("HostConfig").GetProperty("Mounts").EnumerateArray(),
            m => m.GetProperty("Type").GetString() == "volume" && m.GetProperty("Target").GetString() == "/var/run" && !m.TryGetProperty("Source", out _));
    }

    [Theory]
    [InlineData("/var/www/html")]
    [InlineData("/var/www/html/uploads")]
    [InlineData("/var")]
    public void Plan_TmpfsAtInOrOverAWebRoot_IsRefused(string path)
    {
        var e = Assert.Throws<DockerIRException>(() => Plan(Suspect(), options: new RedeployOptions { ExtraTmpfs = [path] }));

        Assert.Equal(FailureKind.Refused, e.Kind);
        Assert.Contains("web root", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("/")]
    [InlineData("/var/../etc")]
    [InlineData("/var/cache/")]
    public void ValidateTmpfsPath_Malformed_IsAUsageError(string path)
    {
        var e = Assert.Throws<DockerIRException>(() => RedeployPlanner.ValidateTmpfsPath(path));

        Assert.Equal(FailureKind.Usage, e.Kind);
    }

    [Fact]
    public void Plan_ExtraTmpfs_IsAdded()
    {
        var plan = Plan(Suspect(), options: new RedeployOptions { ExtraTmpfs = ["/srv/app/cache"] });

        Assert.Contains(plan.Tmpfs, t => t.Path == "/srv/app/cache" && t.Reason == "requested with --tmpfs");
    }

    [Fact]
    public void Plan_PrivilegedSuspectWithEverythingWrong_IsHardenedOnEveryCount()
    {
        var suspect = Suspect(h => h with
        {
            Privileged = true,
            CapAdd = ["SYS_ADMIN", "NET_ADMIN", "CHOWN"],
            SecurityOpt = ["apparmor=unconfined", "seccomp=unconfined", "label=disable"],
            PidMode = "host",
            IpcMode = "host",
            UtsMode = "host",
            UsernsMode = "host",
            AutoRemove = true,
            Devices = ["/dev/sda:/dev/sda:rwm"],
        }, mounts:
        [
            new MountInfo("bind", null, "/var/run/docker.sock", "/var/run/docker.sock", true, "", "rprivate"),
            new MountInfo("bind", null, "/etc", "/host/etc", false, "", "rprivate"),
            new MountInfo("bind", null, "/", "/host", true, "", "rshared"),
            new MountInfo("bind", null, "/srv/data", "/data", true, "", "rshared"),
        ]);

        var plan = Plan(suspect);
        var h = plan.Replacement.HostConfig;

        Assert.False(h.Privileged);
        Assert.False(h.AutoRemove);
        Assert.Equal(["CHOWN"], h.CapAdd);
        Assert.Contains("SYS_ADMIN", h.CapDrop);
        Assert.Contains("NET_RAW", h.CapDrop);
        Assert.Equal(["no-new-privileges:true"], h.SecurityOpt);
        Assert.Null(h.PidMode);
        Assert.Equal("private", h.IpcMode);
        Assert.Null(h.UtsMode);
        Assert.Null(h.UsernsMode);
        Assert.Equal(["/srv/data:/data"], h.Binds);
        Assert.Contains(plan.Changes, c => c.Setting == "mount /var/run/docker.sock" && c.Reason.StartsWith("CIS 5.32", StringComparison.Ordinal));
        Assert.Contains(plan.Changes, c => c.Setting == "mount /host/etc" && c.Reason.StartsWith("CIS 5.6", StringComparison.Ordinal));
        Assert.Contains(plan.Changes, c => c.Setting == "Privileged" && c.Reason.StartsWith("CIS 5.5", StringComparison.Ordinal));
        Assert.Contains(plan.Changes, c => c.Setting == "mount /data propagation");
        Assert.Contains(plan.Changes, c => c.Setting == "Devices");
    }

    [Fact]
    public void Plan_NoLimits_SetsMemoryCpuPidsAndUlimits()
    {
        var h = Plan(Suspect()).Replacement.HostConfig;

        Assert.Equal(RedeployPlanner.DefaultMemory, h.Memory);
        Assert.Equal(h.Memory, h.MemorySwap);
        Assert.Equal(RedeployPlanner.DefaultNanoCpus, h.NanoCpus);
        Assert.Equal(RedeployPlanner.DefaultPids, h.PidsLimit);
        Assert.Contains(h.Ulimits, u => u.Name == "nofile" && u.Soft == 4096);
        Assert.Contains(h.Ulimits, u => u.Name == "nproc");
    }

    [Fact]
    public void Plan_SuspectLimits_AreKept()
    {
        var h = Plan(Suspect(x => x with { Memory = 64L << 20, CpuQuota = 50_000, CpuPeriod = 100_000, PidsLimit = 50, Ulimits = [new UlimitSpec("nofile", 100, 200)] }))
            .Replacement.HostConfig;

        Assert.Equal(64L << 20, h.Memory);
        Assert.Equal(50_000, h.CpuQuota);
        Assert.Equal(0, h.NanoCpus);
        Assert.Equal(50, h.PidsLimit);
        Assert.Contains(h.Ulimits, u => u is { Name: "nofile", Soft: 100, Hard: 200 });
    }

    [Fact]
    public void Plan_EngineChosenPort_IsPinnedToThePortTheSuspectHeld()
    {
        var suspect = Suspect(h => h with { PortBindings = [new PortBinding("8080/tcp", "127.0.0.1", "")] },
            published: [new PortBinding("8080/tcp", "127.0.0.1", "32777")]);

        var plan = Plan(suspect);

        Assert.Equal([new PortBinding("8080/tcp", "127.0.0.1", "32777")], plan.Replacement.HostConfig.PortBindings);
    }

    [Fact]
    public void Plan_UserDefinedNetworks_OneAtCreateTheRestBeforeStartWithoutTheOldIdAlias()
    {
        var suspect = Suspect(h => h with { NetworkMode = "front" }, networks:
        [
            new NetworkAttachment("back", "n2", ["db-client", Id[..12]], "10.0.1.2"),
            new NetworkAttachment("front", "n1", ["web", Id[..12]], "10.0.0.2"),
        ]);

        var plan = Plan(suspect);

        var primary = Assert.Single(plan.Replacement.Networks);
        Assert.Equal("front", primary.Network);
        Assert.Equal(["web"], primary.Aliases);
        var extra = Assert.Single(plan.ConnectBeforeStart);
        Assert.Equal("back", extra.Network);
        Assert.Equal(["db-client"], extra.Aliases);
    }

    [Fact]
    public void Plan_StrictWithLowPortAndSeveralProcessUsers_KeepsOnlyTheNeededCapabilities()
    {
        var config = FakeEngine.Container(Id, "web").Config with { ExposedPorts = ["80/tcp"] };

        var plan = Plan(Suspect(config: config), options: new RedeployOptions { Profile = HardeningProfile.Strict }, users: ["root", "www-data"]);

        Assert.Equal(["ALL"], plan.Replacement.HostConfig.CapDrop);
        Assert.Equal(["NET_BIND_SERVICE", "SETGID", "SETUID"], plan.Replacement.HostConfig.CapAdd);
    }

    [Fact]
    public void Plan_StrictWithHighPortAndOneUser_AddsNoCapability()
    {
        var config = FakeEngine.Container(Id, "web").Config with { ExposedPorts = ["8080/tcp"] };

        var plan = Plan(Suspect(config: config), options: new RedeployOptions { Profile = HardeningProfile.Strict }, users: ["root"]);

        Assert.Empty(plan.Replacement.HostConfig.CapAdd);
    }

    [Fact]
    public void Plan_StrictAndImageWithNonRootUser_RunsAsThatUser()
    {
        var suspect = Suspect();
        var image = new ImageInspection(suspect.ImageId, [], "", 0, suspect.Config with { User = "www-data" }, new GraphDriverInfo("", new Dictionary<string, string>()), Array.Empty<byte>());

        var strict = Plan(suspect, options: new RedeployOptions { Profile = HardeningProfile.Strict }, image: image);
        var baseline = Plan(suspect, image: image);

        Assert.Equal("www-data", strict.Replacement.User);
        Assert.Null(baseline.Replacement.User);
    }

    [Fact]
    public void Plan_Probes_HealthcheckFirstThenTheGivenProbeElseStayingUp()
    {
        var withHealth = FakeEngine.Container(Id, "web").Config with { Healthcheck = new HealthcheckSpec(["CMD", "true"], 1, 1, 0, 3) };
        var http = ProbeSpec.Parse("http://127.0.0.1:8080/", TimeSpan.FromSeconds(9));

        var both = Plan(Suspect(config: withHealth), options: new RedeployOptions { Probe = http });
        var none = Plan(Suspect());

        Assert.Equal([ProbeKind.Healthcheck, ProbeKind.Http], both.Probes.Select(p => p.Kind));
        Assert.Equal([ProbeKind.StayUp], none.Probes.Select(p => p.Kind));
    }

    [Theory]
    [InlineData("tcp:8080", ProbeKind.Tcp, "127.0.0.1:8080")]
    [InlineData("tcp:10.0.0.5:443", ProbeKind.Tcp, "10.0.0.5:443")]
    [InlineData("http://127.0.0.1:9/x", ProbeKind.Http, "http://127.0.0.1:9/x")]
    public void ProbeSpec_Parse_ReadsTcpAndHttp(string value, ProbeKind kind, string target)
    {
        var probe = ProbeSpec.Parse(value, TimeSpan.FromSeconds(1));

        Assert.Equal((kind, target), (probe.Kind, probe.Target));
    }

    [Theory]
    [InlineData("tcp:99999")]
    [InlineData("ftp://x/")]
    [InlineData("8080")]
    public void ProbeSpec_Parse_Malformed_IsAUsageError(string value) =>
        Assert.Equal(FailureKind.Usage, Assert.Throws<DockerIRException>(() => ProbeSpec.Parse(value, TimeSpan.FromSeconds(1))).Kind);

    [Theory]
    [InlineData("/var/run/docker.sock", true)]
    [InlineData("/run/containerd/containerd.sock", true)]
    [InlineData("/proc/1/root", true)]
    [InlineData("/etc", true)]
    [InlineData("/etc/nginx", false)]
    [InlineData("/srv/data", false)]
    public void HostExposure_IsSensitive(string path, bool expected) => Assert.Equal(expected, HostExposure.IsSensitive(path));

    [Fact]
    public void Plan_Fixes_ListTheAuditFindingsTheReplacementNoLongerHas()
    {
        var suspect = Suspect(h => h with { Privileged = true },
            [new MountInfo("bind", null, "/var/run/docker.sock", "/var/run/docker.sock", true, "", "rprivate")]);

        var plan = Plan(suspect);

        var fixedIds = plan.Fixes.Select(f => f.Id).ToList();
        Assert.Subset(fixedIds.ToHashSet(), new HashSet<string> { "5.5", "5.32", "5.13", "5.26", "5.11", "5.12", "5.29", "5.19" });
        Assert.DoesNotContain("4.1", fixedIds); // the baseline profile keeps the suspect's root user
        Assert.DoesNotContain("5.30", fixedIds); // and its default bridge
    }
}
