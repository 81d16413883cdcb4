using System.Text.Json;
using DockerIR.Core.Audit;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Core.Tests;

public sealed class ContainerAuditTests
{
    private static ContainerInspection Container(Func<HostConfigInfo, HostConfigInfo>? host = null, IReadOnlyList<MountInfo>? mounts = null,
        string? user = null, HealthcheckSpec? health = null)
    {
        var c = FakeEngine.Container("c0ffee0000000000000000000000000000000000000000000000000000000003", "web");
        return c with
        {
            HostConfig = (host ?? (h => h))(c.HostConfig with { NetworkMode = "bridge" }),
            Mounts = mounts ?? [],
            Config = c.Config with { User = user, Healthcheck = health },
        };
    }

    /// <summary>A container with every hardening the redeploy plan applies, and a healthcheck, on its own network.</summary>
    private static ContainerInspection Hardened() => Container(h => h with
    {
        NetworkMode = "shop",
        ReadonlyRootfs = true,
        SecurityOpt = ["no-new-privileges:true"],
        CapDrop = ["NET_RAW", "MKNOD", "AUDIT_WRITE", "SYS_ADMIN"],
        Memory = 512L << 20,
        NanoCpus = 1_000_000_000,
        PidsLimit = 256,
        Ulimits = [new UlimitSpec("nofile", 4096, 8192), new UlimitSpec("nproc", 2048, 4096)],
        PortBindings = [new PortBinding("8080/tcp", "127.0.0.1", "8080")],
    }, user: "1000:1000", health: new HealthcheckSpec(["CMD", "true"], 0, 0, 0, 3)) with { Networks = [new NetworkAttachment("shop", "n", [], null)] };

    private static List<string> Ids(ContainerInspection c) => ContainerAudit.Check(c).Select(f => f.Id).ToList();

    /// <summary>The controls of CIS Docker Benchmark v1.6.0 section 5 as docker-bench-security 1.6.0 numbers them (tests/5_container_runtime.sh).</summary>
    [Theory]
    [InlineData("Privileged", "5.5")]
    [InlineData("DangerousCapabilities", "5.4")]
    [InlineData("SensitiveMount", "5.6")]
    [InlineData("PrivilegedPort", "5.8")]
    [InlineData("HostNetwork", "5.10")]
    [InlineData("NoMemoryLimit", "5.11")]
    [InlineData("NoCpuLimit", "5.12")]
    [InlineData("WritableRoot", "5.13")]
    [InlineData("AllInterfaces", "5.14")]
    [InlineData("RestartAlways", "5.15")]
    [InlineData("HostPid", "5.16")]
    [InlineData("HostIpc", "5.17")]
    [InlineData("HostDevices", "5.18")]
    [InlineData("NoUlimits", "5.19")]
    [InlineData("SharedPropagation", "5.20")]
    [InlineData("HostUts", "5.21")]
    [InlineData("SeccompDisabled", "5.22")]
    [InlineData("NoNewPrivileges", "5.26")]
    [InlineData("NoHealthcheck", "5.27")]
    [InlineData("NoPidsLimit", "5.29")]
    [InlineData("DefaultBridge", "5.30")]
    [InlineData("HostUserns", "5.31")]
    [InlineData("EngineSocket", "5.32")]
    [InlineData("AppArmorDisabled", "5.2")]
    [InlineData("SelinuxDisabled", "5.3")]
    [InlineData("RootUser", "4.1")]
    [InlineData("CapabilitiesNotDropped", "DIR-CAPDROP")]
    public void Rule_HasTheIdOfCisDockerBenchmark160_OrOneOfOurOwn(string rule, string id)
    {
        var field = typeof(AuditRules).GetField(rule) ?? throw new InvalidOperationException($"no rule {rule}");

        Assert.Equal(id, ((AuditRule)field.GetValue(null)!).Id);
    }

    [Fact]
    public void Rules_HaveDistinctIds_AllCisOrOurOwn()
    {
        var ids = AuditRules.All.Select(r => r.Id).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches(@"^(4\.1|5\.([1-9]|[12][0-9]|3[0-2])|DIR-[A-Z]+)$", id));
    }

    [Fact]
    public void Check_HardenedContainer_HasNoFinding()
    {
        Assert.Empty(ContainerAudit.Check(Hardened()));
    }

    [Fact]
    public void Check_DefaultContainer_HasTheDefaultsFindingsAndNoHighOne()
    {
        var findings = ContainerAudit.Check(Container());

        Assert.Equal(["DIR-CAPDROP", "4.1", "5.11", "5.12", "5.29", "5.19", "5.13", "5.26", "5.30", "5.27"], findings.Select(f => f.Id));
        Assert.DoesNotContain(findings, f => f.Severity == Severity.High);
    }

    [Fact]
    public void Check_PrivilegedWithEngineSocket_IsHighWithTheInspectFieldsAsEvidence()
    {
        var c = Container(h => h with { Privileged = true },
            [new MountInfo("bind", null, "/var/run/docker.sock", "/var/run/docker.sock", true, "", "rprivate")]);

        var findings = ContainerAudit.Check(c);

        var privileged = Assert.Single(findings, f => f.Id == "5.5");
        Assert.Equal(Severity.High, privileged.Severity);
        Assert.Equal("HostConfig.Privileged=true", privileged.Evidence);
        Assert.Contains("--privileged", privileged.Remediation, StringComparison.Ordinal);
        var socket = Assert.Single(findings, f => f.Id == "5.32");
        Assert.Equal(Severity.High, socket.Severity);
        Assert.Contains("/var/run/docker.sock", socket.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc", true, "5.6", Severity.High)]
    [InlineData("/", false, "5.6", Severity.Medium)]
    [InlineData("/proc/sys", true, "5.6", Severity.High)]
    public void Check_SensitiveHostMount_IsFound(string source, bool readWrite, string id, Severity severity)
    {
        var f = Assert.Single(ContainerAudit.Check(Hardened() with { Mounts = [new MountInfo("bind", null, source, "/host", readWrite, "", "rprivate")] }));

        Assert.Equal(id, f.Id);
        Assert.Equal(severity, f.Severity);
    }

    [Fact]
    public void Check_OrdinaryDataBindAndVolume_AreNotFindings()
    {
        Assert.Empty(ContainerAudit.Check(Hardened() with
        {
            Mounts = [new MountInfo("bind", null, "/srv/shop/uploads", "/uploads", true, "", "rprivate"), new MountInfo("volume", "data", "/var/lib/docker/volumes/data/_data", "/data", true, "", "")],
        }));
    }

    [Theory]
    [InlineData("NetworkMode", "5.10")]
    [InlineData("PidMode", "5.16")]
    [InlineData("IpcMode", "5.17")]
    [InlineData("UtsMode", "5.21")]
    [InlineData("UsernsMode", "5.31")]
    public void Check_HostNamespace_IsFound(string field, string id)
    {
        var c = Hardened();
        var h = field switch
        {
            "NetworkMode" => c.HostConfig with { NetworkMode = "host" },
            "PidMode" => c.HostConfig with { PidMode = "host" },
            "IpcMode" => c.HostConfig with { IpcMode = "host" },
            "UtsMode" => c.HostConfig with { UtsMode = "host" },
            _ => c.HostConfig with { UsernsMode = "host" },
        };

        Assert.Equal([id], Ids(c with { HostConfig = h }));
    }

    [Theory]
    [InlineData("seccomp=unconfined", "5.22")]
    [InlineData("apparmor:unconfined", "5.2")]
    [InlineData("label=disable", "5.3")]
    public void Check_UnconfinedSecurityOption_IsFound(string option, string id)
    {
        var c = Hardened();

        Assert.Equal([id], Ids(c with { HostConfig = c.HostConfig with { SecurityOpt = [.. c.HostConfig.SecurityOpt, option] } }));
    }

    [Fact]
    public void Check_AddedCapabilities_OutsideTheDefaultSetAreHigh_DefaultOnesAreNot()
    {
        var c = Hardened();

        Assert.Equal(["5.4"], Ids(c with { HostConfig = c.HostConfig with { CapAdd = ["SYS_ADMIN", "CHOWN"] } }));
        Assert.Empty(Ids(c with { HostConfig = c.HostConfig with { CapAdd = ["CHOWN"] } }));
    }

    [Fact]
    public void Check_PortsOnAllInterfacesAndBelow1025_AreFound()
    {
        var c = Hardened();

        Assert.Equal(["5.14", "5.8"], Ids(c with { HostConfig = c.HostConfig with { PortBindings = [new PortBinding("80/tcp", "", "80")] } }));
    }

    [Fact]
    public void Check_RestartAlwaysDevicesAndSharedPropagation_AreFound()
    {
        var c = Hardened();
        var findings = Ids(c with
        {
            HostConfig = c.HostConfig with { RestartPolicy = "always", Devices = ["/dev/sda:/dev/sda:rwm"] },
            Mounts = [new MountInfo("bind", null, "/srv/data", "/data", true, "", "rshared")],
        });

        Assert.Equal(["5.20", "5.15", "5.18"], findings);
    }

    [Fact]
    public void ToSarif_IsSarif210WithEveryRuleAndOneResultPerFinding()
    {
        var report = AuditReports.Of([Container(h => h with { Privileged = true })], DateTimeOffset.UnixEpoch, "9.9.9");

        using var sarif = JsonDocument.Parse(report.ToSarif());

        var root = sarif.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.Contains("sarif-2.1.0", root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        var run = root.GetProperty("runs")[0];
        Assert.Equal(AuditRules.All.Count, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(report.AllFindings.Count(), results.Count);
        Assert.Contains(results, r => r.GetProperty("ruleId").GetString() == "5.5" && r.GetProperty("level").GetString() == "error");
        Assert.All(results, r => Assert.Equal("web", r.GetProperty("locations")[0].GetProperty("logicalLocations")[0].GetProperty("name").GetString()));
    }

    [Fact]
    public void RuleIds_AreUnique()
    {
        Assert.Equal(AuditRules.All.Count, AuditRules.All.Select(r => r.Id).Distinct().Count());
    }
}
