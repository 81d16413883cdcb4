using System.Text;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;

namespace DockerIR.Core.Tests;

public sealed class ServicePlannerTests
{
    private const string Spec = """
        {"Name":"web","Labels":{"team":"shop"},
         "TaskTemplate":{"ContainerSpec":{"Image":"shop/web:1@sha256:abc","Env":["A=1"],"StopGracePeriod":5000000000,
            "Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock"},
                      {"Type":"volume","Source":"uploads","Target":"/data"}]},
           "Resources":{"Limits":{"MemoryBytes":268435456}},"Networks":[{"Target":"front"}],"ForceUpdate":3},
         "Mode":{"Replicated":{"Replicas":2}},"EndpointSpec":{"Ports":[{"TargetPort":8080,"PublishedPort":80}]}}
        """;

    private static ServiceInspection Service(string spec = Spec) =>
        new("svc1", "web", 42, spec, "completed", null, Encoding.UTF8.GetBytes("{}"));

    private static RedeployPlan TaskPlan(HardeningProfile profile = HardeningProfile.Baseline, params string[] changed)
    {
        var task = FakeEngine.Container("c0ffee0000000000000000000000000000000000000000000000000000000002", "web.1.abc");
        var changes = changed.Select(p => ChangeClassifier.ClassifyOne(new ChangeEntry(p, ChangeKind.Added))).ToList();
        var writes = new WriteProfile("test", [], [new ImageDir("/var/run", true, 0, 0x1ED, 0, 0)], []);
        return RedeployPlanner.Plan(new RedeployInput("case-7", task, null, changes, []) { Profile = writes }, new RedeployOptions { Profile = profile });
    }

    private static JsonElement ContainerSpec(ServicePlan plan) => plan.SpecAfter.GetProperty("TaskTemplate").GetProperty("ContainerSpec");

    [Fact]
    public void Plan_MergesReadOnlyTmpfsCapabilitiesAndLimits_AndKeepsTheRestOfTheSpec()
    {
        var plan = ServicePlanner.Plan(Service(), TaskPlan(HardeningProfile.Baseline, "/var/run/httpd.pid", "/var/www/html/shell.php"), "1.41");

        var c = ContainerSpec(plan);
        Assert.True(c.GetProperty("ReadOnly").GetBoolean());
        var tmpfs = Assert.Single(c.GetProperty("Mounts").EnumerateArray(), m => m.GetProperty("Type").GetString() == "tmpfs");
        Assert.Equal("/var/run", tmpfs.GetProperty("Target").GetString());
        Assert.Equal(ServicePlanner.TmpfsSizeBytes, tmpfs.GetProperty("TmpfsOptions").GetProperty("SizeBytes").GetInt64());
        Assert.Contains("NET_RAW", c.GetProperty("CapabilityDrop").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["nofile", "nproc"], c.GetProperty("Ulimits").EnumerateArray().Select(u => u.GetProperty("Name").GetString()!));
        var limits = plan.SpecAfter.GetProperty("TaskTemplate").GetProperty("Resources").GetProperty("Limits");
        Assert.Equal(268435456, limits.GetProperty("MemoryBytes").GetInt64()); // the service's own limit is kept
        Assert.Equal(RedeployPlanner.DefaultNanoCpus, limits.GetProperty("NanoCPUs").GetInt64());
        Assert.Equal(RedeployPlanner.DefaultPids, limits.GetProperty("Pids").GetInt64());
        Assert.Equal(4, plan.SpecAfter.GetProperty("TaskTemplate").GetProperty("ForceUpdate").GetInt64());
        Assert.Equal("case-7", c.GetProperty("Labels").GetProperty(RedeployPlanner.LabelReplacementCase).GetString());

        // Everything else is the service's own.
        Assert.Equal("shop/web:1@sha256:abc", c.GetProperty("Image").GetString());
        Assert.Equal("A=1", c.GetProperty("Env")[0].GetString());
        Assert.Equal("shop", plan.SpecAfter.GetProperty("Labels").GetProperty("team").GetString());
        Assert.Equal(2, plan.SpecAfter.GetProperty("Mode").GetProperty("Replicated").GetProperty("Replicas").GetInt32());
        Assert.Equal("front", plan.SpecAfter.GetProperty("TaskTemplate").GetProperty("Networks")[0].GetProperty("Target").GetString());
        Assert.Equal(80, plan.SpecAfter.GetProperty("EndpointSpec").GetProperty("Ports")[0].GetProperty("PublishedPort").GetInt32());
        Assert.Equal(5000000000, c.GetProperty("StopGracePeriod").GetInt64());
        Assert.False(plan.SpecBefore.GetProperty("TaskTemplate").GetProperty("ContainerSpec").TryGetProperty("ReadOnly", out _));
        Assert.Equal(42UL, plan.Version);
    }

    [Fact]
    public void Plan_EngineSocketBind_IsRemovedAndVolumesKept()
    {
        var plan = ServicePlanner.Plan(Service(), TaskPlan(), "1.41");

        var targets = ContainerSpec(plan).GetProperty("Mounts").EnumerateArray().Select(m => m.GetProperty("Target").GetString()).ToList();
        Assert.DoesNotContain("/var/run/docker.sock", targets);
        Assert.Contains("/data", targets);
        Assert.Contains(plan.Changes, c => c.Setting == "mount /var/run/docker.sock" && c.Reason.StartsWith("CIS 5.32", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_WebRootWrites_NeverGetATmpfs()
    {
        var plan = ServicePlanner.Plan(Service(), TaskPlan(HardeningProfile.Baseline, "/var/www/html/shell.php", "/var/www/html/index.html"), "1.41");

        Assert.DoesNotContain(ContainerSpec(plan).GetProperty("Mounts").EnumerateArray(), m => m.GetProperty("Type").GetString() == "tmpfs");
        Assert.Empty(plan.Tmpfs);
    }

    [Fact]
    public void Plan_Api140_SendsNoFieldsTheEngineWouldDropAndWarns()
    {
        var plan = ServicePlanner.Plan(Service(), TaskPlan(), "1.40");

        var c = ContainerSpec(plan);
        Assert.False(c.TryGetProperty("CapabilityDrop", out _));
        Assert.False(c.TryGetProperty("Ulimits", out _));
        Assert.False(plan.SpecAfter.GetProperty("TaskTemplate").GetProperty("Resources").GetProperty("Limits").TryGetProperty("Pids", out _));
        Assert.Contains(plan.Warnings, w => w.Contains("cannot set capabilities", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1.41", false)]
    [InlineData("1.46", true)]
    public void Plan_NoNewPrivileges_SetFromApi146_ElseAWarning(string api, bool set)
    {
        var plan = ServicePlanner.Plan(Service(), TaskPlan(), api);

        var has = ContainerSpec(plan).TryGetProperty("Privileges", out var p) && p.TryGetProperty("NoNewPrivileges", out var n) && n.GetBoolean();
        Assert.Equal(set, has);
        Assert.Equal(!set, plan.Warnings.Any(w => w.Contains("no-new-privileges", StringComparison.Ordinal)));
    }

    [Fact]
    public void Plan_AlreadyHardenedService_OnlyForcesTheRollout()
    {
        var first = ServicePlanner.Plan(Service(), TaskPlan(HardeningProfile.Baseline, "/var/run/httpd.pid"), "1.41");
        var again = ServicePlanner.Plan(Service(first.SpecAfter.GetRawText()), TaskPlan(HardeningProfile.Baseline, "/var/run/httpd.pid"), "1.41");

        Assert.Equal(["ForceUpdate"], again.Changes.Select(c => c.Setting));
        Assert.Single(ContainerSpec(again).GetProperty("Mounts").EnumerateArray(), m => m.GetProperty("Type").GetString() == "tmpfs");
    }

    [Fact]
    public void Plan_ServiceWithoutContainers_IsRefused()
    {
        var e = Assert.Throws<DockerIRException>(() =>
            ServicePlanner.Plan(Service("""{"Name":"p","TaskTemplate":{"PluginSpec":{}}}"""), TaskPlan(), "1.41"));

        Assert.Equal(FailureKind.Refused, e.Kind);
    }

    [Fact]
    public void Plan_SharedPropagation_IsMadePrivateAndTheChangeNamesWhatItWas()
    {
        var spec = Spec.Replace("\"Target\":\"/data\"}", "\"Target\":\"/data\",\"BindOptions\":{\"Propagation\":\"rshared\"}}", StringComparison.Ordinal);

        var plan = ServicePlanner.Plan(Service(spec), TaskPlan(), "1.41");

        var data = ContainerSpec(plan).GetProperty("Mounts").EnumerateArray().Single(m => m.GetProperty("Target").GetString() == "/data");
        Assert.False(data.GetProperty("BindOptions").TryGetProperty("Propagation", out _));
        Assert.Contains(plan.Changes, c => c.Setting == "mount /data propagation" && c.Before == "rshared" && c.After == "rprivate");
    }
}
