using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DockerIR.Core.Case;
using DockerIR.Core.Engine;
using DockerIR.Core.Redeploy;
using DockerIR.Testing;

namespace DockerIR.Core.Tests;

public sealed class ReplacementRequestTests
{
    private const string Id = "c0ffee0000000000000000000000000000000000000000000000000000000003";

    // An inspect with everyday settings, as the engine reports it: links in its "/name:/self/alias" form, a second network with an alias.
    private const string Raw = """
        {"Id":"c0ffee0000000000000000000000000000000000000000000000000000000003","Name":"/app",
         "Config":{"Hostname":"c0ffee000000","Domainname":"example.org","User":"","Env":["A=1"],"Cmd":["apache2-foreground"],
           "Image":"web:1","Labels":{"tier":"front"},"StopSignal":"SIGWINCH","StopTimeout":20,"ExposedPorts":{"80/tcp":{}}},
         "HostConfig":{"Binds":["/srv/site:/srv/site:ro","appdata:/data"],"NetworkMode":"front","Links":["/db:/app/db"],
           "PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},"RestartPolicy":{"Name":"unless-stopped","MaximumRetryCount":0},
           "DnsSearch":["corp.example"],"DnsOptions":["ndots:2"],"GroupAdd":["audio"],"Sysctls":{"net.ipv4.ip_unprivileged_port_start":"0"},
           "LogConfig":{"Type":"json-file","Config":{"max-size":"10m","max-file":"3"}},"Init":true,"ShmSize":134217728,"CpuShares":512,
           "ReadonlyRootfs":false,"Tmpfs":null},
         "NetworkSettings":{"Networks":{
           "front":{"Aliases":["c0ffee000000","www"],"NetworkID":"n1","IPAddress":"10.0.0.2","IPAMConfig":{"IPv4Address":"10.0.0.50"}},
           "back":{"Aliases":["c0ffee000000","app-back"],"NetworkID":"n2","IPAddress":"10.0.1.2","Links":["/cache:/app/cache"]}}}}
        """;

    private static ContainerInspection Suspect()
    {
        var c = FakeEngine.Container(Id, "app");
        return c with
        {
            Config = c.Config with { Image = "web:1", Hostname = "c0ffee000000" },
            HostConfig = c.HostConfig with { NetworkMode = "front", PortBindings = [new PortBinding("80/tcp", "127.0.0.1", "8080")] },
            Mounts = [new MountInfo("bind", null, "/srv/site", "/srv/site", false, "ro", "rprivate"), new MountInfo("volume", "appdata", "/var/lib/docker/volumes/appdata/_data", "/data", true, "z", "")],
            Networks = [new NetworkAttachment("front", "n1", ["c0ffee000000", "www"], "10.0.0.2"), new NetworkAttachment("back", "n2", ["c0ffee000000", "app-back"], "10.0.1.2")],
            RawJson = Encoding.UTF8.GetBytes(Raw),
        };
    }

    private static RedeployPlan Plan() => RedeployPlanner.Plan(new RedeployInput("case-9", Suspect(), null, [], []), new RedeployOptions());

    [Fact]
    public void Build_EverydaySettings_CarryOverAsTheEngineReportedThem()
    {
        var body = Plan().CreateBody;
        var host = body.GetProperty("HostConfig");

        Assert.Equal("example.org", body.GetProperty("Domainname").GetString());
        Assert.Equal(20, body.GetProperty("StopTimeout").GetInt32());
        Assert.Equal("SIGWINCH", body.GetProperty("StopSignal").GetString());
        Assert.Equal(["db:db"], host.GetProperty("Links").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["corp.example"], host.GetProperty("DnsSearch").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["audio"], host.GetProperty("GroupAdd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("0", host.GetProperty("Sysctls").GetProperty("net.ipv4.ip_unprivileged_port_start").GetString());
        Assert.Equal("10m", host.GetProperty("LogConfig").GetProperty("Config").GetProperty("max-size").GetString());
        Assert.Equal("unless-stopped", host.GetProperty("RestartPolicy").GetProperty("Name").GetString());
        Assert.Equal(["/srv/site:/srv/site:ro", "appdata:/data"], host.GetProperty("Binds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(512, host.GetProperty("CpuShares").GetInt32());
        Assert.True(host.GetProperty("Init").GetBoolean());
    }

    [Fact]
    public void Build_PlannedKeys_AreTheOnlyOnesChanged()
    {
        var plan = Plan();
        var body = plan.CreateBody;

        Assert.True(body.GetProperty("HostConfig").GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.False(body.TryGetProperty("Hostname", out _)); // the engine's default, the new container's own id
        Assert.Equal(Suspect().ImageId, body.GetProperty("Image").GetString());
        Assert.Contains(plan.Changes, c => c.Setting == "Image" && c.Before == "web:1");
        Assert.Equal("front", body.GetProperty("Labels").GetProperty("tier").GetString());
        Assert.Equal("case-9", body.GetProperty("Labels").GetProperty(RedeployPlanner.LabelReplacementCase).GetString());
        Assert.False(body.GetProperty("HostConfig").TryGetProperty("Mounts", out _)); // nothing to add: the named volume is in Binds
    }

    [Fact]
    public void Build_Networks_PrimaryAtCreateWithItsAddressTheOtherBeforeStartWithItsLinks()
    {
        var plan = Plan();

        var front = plan.CreateBody.GetProperty("NetworkingConfig").GetProperty("EndpointsConfig").GetProperty("front");
        Assert.Equal(["www"], front.GetProperty("Aliases").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("10.0.0.50", front.GetProperty("IPAMConfig").GetProperty("IPv4Address").GetString());
        var back = Assert.Single(plan.ConnectBeforeStart);
        Assert.Equal("back", back.Network);
        Assert.Equal(["app-back"], back.Config.GetProperty("Aliases").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["cache:cache"], back.Config.GetProperty("Links").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Canary_NeverTheService_NoPortsAliasesAddressesRestartOrSharedData()
    {
        var plan = Plan();

        var (body, connect) = ReplacementRequest.Canary(JsonNode.Parse(plan.CreateBody.GetRawText())!.AsObject(), plan.ConnectBeforeStart, "case-9", readOnly: true);
        var canary = ReplacementRequest.ToElement(body);
        var host = canary.GetProperty("HostConfig");

        Assert.Empty(host.GetProperty("PortBindings").EnumerateObject());
        Assert.Equal("no", host.GetProperty("RestartPolicy").GetProperty("Name").GetString());
        Assert.Equal(["/srv/site:/srv/site:ro"], host.GetProperty("Binds").EnumerateArray().Select(e => e.GetString()));
        var fresh = Assert.Single(host.GetProperty("Mounts").EnumerateArray());
        Assert.Equal("/data", fresh.GetProperty("Target").GetString());
        Assert.False(fresh.TryGetProperty("Source", out _));
        var front = canary.GetProperty("NetworkingConfig").GetProperty("EndpointsConfig").GetProperty("front");
        Assert.False(front.TryGetProperty("Aliases", out _));
        Assert.False(front.TryGetProperty("IPAMConfig", out _));
        Assert.False(Assert.Single(connect).Config.TryGetProperty("Aliases", out _));
        Assert.Equal("case-9", canary.GetProperty("Labels").GetProperty(ReplacementRequest.LabelCanary).GetString());
        Assert.False(canary.GetProperty("Labels").TryGetProperty(RedeployPlanner.LabelReplacementCase, out _));
        Assert.Equal(["db:db"], host.GetProperty("Links").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Canary_OfAHostNetworkedSuspect_GetsABridgeOfItsOwn()
    {
        var body = new JsonObject { ["Image"] = "x", ["HostConfig"] = new JsonObject { ["NetworkMode"] = "host" } };

        var (canary, _) = ReplacementRequest.Canary(body, [], "case-9", readOnly: true);

        Assert.Equal("bridge", canary["HostConfig"]!["NetworkMode"]!.GetValue<string>());
        Assert.Equal("host", body["HostConfig"]!["NetworkMode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/db:/app/db", "db:db")]
    [InlineData("/my-db:/web/database", "my-db:database")]
    [InlineData("/db", "db")]
    public void CreateLink_InspectForm_BecomesTheCreateForm(string inspected, string expected) =>
        Assert.Equal(expected, ReplacementRequest.CreateLink(inspected));

    [Fact]
    public void ForCanary_HttpProbeOfThePublishedPort_GoesToTheCanarysAddressAndContainerPort()
    {
        var plan = Plan() with { Probes = [ProbeSpec.Parse("http://127.0.0.1:8080/health?x=1", TimeSpan.FromSeconds(5))] };
        var canary = FakeEngine.Container("c0ffee0000000000000000000000000000000000000000000000000000000004", "app.preflight") with
        {
            Networks = [new NetworkAttachment("front", "n1", [], "10.0.0.9")],
        };

        var probe = Assert.Single(CanaryRunner.ForCanary(plan, canary, []));

        Assert.Equal("http://10.0.0.9/health?x=1", probe.Target);
    }

    [Fact]
    public void Plan_JsonRoundTrip_KeepsTheCreateBody()
    {
        var plan = Plan();

        var json = JsonSerializer.Serialize(plan, CaseJson.Indented.RedeployPlan);

        Assert.Equal("example.org", JsonDocument.Parse(json).RootElement.GetProperty("createBody").GetProperty("Domainname").GetString());
    }
}
