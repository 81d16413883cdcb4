using System.Formats.Tar;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Testing;

namespace DockerIR.Docker.Tests;

/// <summary>The Engine API client against the real engine.</summary>
public sealed class EngineClientTests(BusyboxFixture busybox) : IClassFixture<BusyboxFixture>
{
    private readonly CancellationToken ct = CancellationToken.None;

    private IContainerEngine Engine => busybox.Engine;

    private async Task<string> RunAsync(string stem, string script)
    {
        var id = await Engine.CreateContainerAsync(busybox.Shell(script), busybox.Resources.Name(stem), ct);
        await Engine.StartAsync(id, ct);
        return id;
    }

    private static async Task<Dictionary<string, string>> ReadTarAsync(Stream tar)
    {
        var files = new Dictionary<string, string>();
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.DataStream is { } data)
            {
                using var text = new StreamReader(data);
                files[entry.Name] = await text.ReadToEndAsync();
            }
            else
            {
                files[entry.Name] = "";
            }
        }

        return files;
    }

    [Fact]
    public async Task GetVersionAsync_RealEngine_NegotiatesApi141OrNewer()
    {
        var version = await Engine.GetVersionAsync(ct);

        Assert.True(Version.Parse(version.NegotiatedApiVersion) >= new Version(1, 41));
        Assert.True(Version.Parse(version.NegotiatedApiVersion) <= Version.Parse(version.DaemonApiVersion));
    }

    [Fact]
    public async Task InspectContainerAsync_Unknown_ThrowsContainerNotFound()
    {
        var e = await Assert.ThrowsAsync<ContainerNotFoundException>(() => Engine.InspectContainerAsync("dockerir-no-such-container", ct));

        Assert.Equal(FailureKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task InspectImageAsync_Unknown_ThrowsImageNotFound()
    {
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Engine.InspectImageAsync("dockerir-test/no-such-image:never", ct));
    }

    [Fact]
    public async Task AnyCall_MissingSocket_ThrowsUnreachableNamingTheEndpoint()
    {
        using var engine = DockerEngineFactory.Create(new DockerClientOptions(DockerEndpoint.Parse("unix:///nonexistent.sock")));

        var e = await Assert.ThrowsAsync<EngineUnreachableException>(() => engine.InspectContainerAsync("web", ct));

        Assert.Contains("unix:///nonexistent.sock", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage\r\n\r\n")]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found")]
    public async Task AnyCall_SocketNotSpeakingTheDockerApi_ThrowsUnreachable(string answer)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dockerir-fake-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        var server = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                using var client = await listener.AcceptAsync();
                await client.ReceiveAsync(new byte[4096]);
                await client.SendAsync(Encoding.ASCII.GetBytes(answer));
                client.Shutdown(SocketShutdown.Both);
            }
        });
        using var engine = DockerEngineFactory.Create(new DockerClientOptions(DockerEndpoint.Parse($"unix://{path}")));

        var e = await Assert.ThrowsAsync<EngineUnreachableException>(() => engine.GetVersionAsync(ct));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public async Task Lifecycle_CreateStartTopLogsPauseUnpauseKillWaitRenameRemove_Works()
    {
        var id = await RunAsync("life", "echo to-stdout; echo to-stderr >&2; exec sleep 300");
        await Task.Delay(300);

        var created = await Engine.InspectContainerAsync(id, ct);
        Assert.True(created.State.Running);
        Assert.Equal("1", created.Config.Labels[TestResources.TestLabel]);
        Assert.Equal(id, JsonDocument.Parse(created.RawJson).RootElement.GetProperty("Id").GetString());

        var top = await Engine.GetProcessesAsync(id, ct);
        Assert.Contains(top.Processes, p => string.Join(' ', p).Contains("sleep 300", StringComparison.Ordinal));

        var logs = new MemoryStream();
        var capture = await Engine.CopyLogsAsync(id, new LogRequest(100, 1 << 20, Tty: false, Timestamps: false), logs, ct);
        var text = Encoding.UTF8.GetString(logs.ToArray());
        Assert.Contains("to-stdout\n", text, StringComparison.Ordinal);
        Assert.Contains("to-stderr\n", text, StringComparison.Ordinal);
        Assert.Equal(logs.Length, capture.BytesWritten);

        await Engine.PauseAsync(id, ct);
        Assert.True((await Engine.InspectContainerAsync(id, ct)).State.Paused);
        await Engine.UnpauseAsync(id, ct);
        Assert.False((await Engine.InspectContainerAsync(id, ct)).State.Paused);

        var newName = busybox.Resources.Name("life-renamed");
        await Engine.RenameAsync(id, newName, ct);
        Assert.Equal(newName, (await Engine.InspectContainerAsync(id, ct)).Name);

        await Engine.KillAsync(id, "SIGKILL", ct);
        Assert.Equal(137, await Engine.WaitAsync(id, ct));

        await Engine.RemoveContainerAsync(id, force: false, removeVolumes: true, ct);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => Engine.InspectContainerAsync(id, ct));
    }

    [Fact]
    public async Task CopyLogsAsync_TtyContainer_CopiesTheRawStream()
    {
        var id = await Engine.CreateContainerAsync(busybox.Shell("echo on-a-tty; exec sleep 300") with { Tty = true }, busybox.Resources.Name("tty"), ct);
        await Engine.StartAsync(id, ct);
        await Task.Delay(300);
        var logs = new MemoryStream();

        await Engine.CopyLogsAsync(id, new LogRequest(100, 1 << 20, Tty: true, Timestamps: false), logs, ct);

        Assert.Equal("on-a-tty\r\n", Encoding.UTF8.GetString(logs.ToArray()));
    }

    [Fact]
    public async Task ChangesArchiveExport_ReadTheLayerWithoutStartingAnything()
    {
        var id = await RunAsync("changes", "echo evidence > /added.txt; rm /etc/group; exec sleep 300");
        await Task.Delay(300);

        var changes = await Engine.GetChangesAsync(id, ct);
        Assert.Contains(new ChangeEntry("/added.txt", ChangeKind.Added), changes);
        Assert.Contains(new ChangeEntry("/etc/group", ChangeKind.Deleted), changes);

        var stat = await Engine.StatPathAsync(id, "/added.txt", ct);
        Assert.NotNull(stat);
        Assert.Equal("added.txt", stat.Name);
        Assert.Equal(9, stat.Size);
        Assert.Null(await Engine.StatPathAsync(id, "/no/such/file", ct));

        await using (var archive = await Engine.GetArchiveAsync(id, "/added.txt", ct))
        {
            var files = await ReadTarAsync(archive.Content);
            Assert.Equal("evidence\n", files["added.txt"]);
        }

        await using (var export = await Engine.ExportContainerAsync(id, ct))
        {
            var files = await ReadTarAsync(export);
            Assert.Equal("evidence\n", files["added.txt"]);
            Assert.False(files.ContainsKey("etc/group"));
        }

        await Assert.ThrowsAsync<EngineObjectNotFoundException>(() => Engine.GetArchiveAsync(id, "/no/such/file", ct));
    }

    [Fact]
    public async Task CommitInspectSaveRemove_EvidenceImageCarriesItsLabels()
    {
        var id = await RunAsync("commit", "echo committed > /proof.txt; exec sleep 300");
        await Task.Delay(300);
        var labels = new Dictionary<string, string>(busybox.Resources.Labels) { ["dockerir.case"] = "case-1" };

        var imageId = await Engine.CommitAsync(new CommitRequest(id, "dockerir-test/committed", busybox.Resources.RunId, "test commit", "tests",
            Pause: true, labels), ct);

        var image = await Engine.InspectImageAsync(imageId, ct);
        Assert.Equal(imageId, image.Id);
        Assert.Equal("case-1", image.Config.Labels["dockerir.case"]);
        Assert.Contains($"dockerir-test/committed:{busybox.Resources.RunId}", image.RepoTags);
        Assert.Equal(["/bin/sh", "-c", "echo committed > /proof.txt; exec sleep 300"], image.Config.Cmd);
        Assert.Contains(await Engine.ListImagesAsync(["dockerir.case=case-1", $"{TestResources.RunLabel}={busybox.Resources.RunId}"], ct), i => i.Id == imageId);

        await using (var save = await Engine.SaveImageAsync(imageId, ct))
        {
            var files = await ReadTarAsync(save);
            Assert.Contains("manifest.json", files.Keys);
        }

        await Engine.RemoveContainerAsync(id, force: true, removeVolumes: true, ct);
        await Engine.RemoveImageAsync(imageId, force: true, ct);
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Engine.InspectImageAsync(imageId, ct));
    }

    [Fact]
    public async Task CreateContainerAsync_NameInUse_ThrowsConflict()
    {
        var name = busybox.Resources.Name("dup");
        await Engine.CreateContainerAsync(busybox.Shell("true"), name, ct);

        await Assert.ThrowsAsync<EngineConflictException>(() => Engine.CreateContainerAsync(busybox.Shell("true"), name, ct));
    }

    [Fact]
    public async Task CreateContainerAsync_HardeningAndPorts_AreAppliedAsAsked()
    {
        var spec = busybox.Shell("exec sleep 300") with
        {
            ExposedPorts = ["8080/tcp"],
            HostConfig = new HostConfigInfo
            {
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string> { ["/run"] = "rw,noexec,nosuid,size=16m" },
                CapDrop = ["ALL"],
                CapAdd = ["NET_BIND_SERVICE"],
                SecurityOpt = ["no-new-privileges:true"],
                Memory = 64L << 20,
                PidsLimit = 64,
                NanoCpus = 500_000_000,
                Ulimits = [new UlimitSpec("nofile", 1024, 2048)],
                PortBindings = [new PortBinding("8080/tcp", "127.0.0.1", "")],
                RestartPolicy = "on-failure",
                RestartMaxRetries = 3,
            },
        };

        var id = await Engine.CreateContainerAsync(spec, busybox.Resources.Name("hardened"), ct);
        await Engine.StartAsync(id, ct);
        var inspect = await Engine.InspectContainerAsync(id, ct);

        var h = inspect.HostConfig;
        Assert.True(h.ReadonlyRootfs);
        Assert.Equal("rw,noexec,nosuid,size=16m", h.Tmpfs["/run"]);
        Assert.Equal(["ALL"], h.CapDrop);
        Assert.Equal(["NET_BIND_SERVICE"], h.CapAdd);
        Assert.Contains("no-new-privileges:true", h.SecurityOpt);
        Assert.Equal(64L << 20, h.Memory);
        Assert.Equal(64, h.PidsLimit);
        Assert.Equal(500_000_000, h.NanoCpus);
        Assert.Equal(new UlimitSpec("nofile", 1024, 2048), Assert.Single(h.Ulimits));
        Assert.Equal(("on-failure", 3), (h.RestartPolicy, h.RestartMaxRetries));
        var published = Assert.Single(inspect.PublishedPorts);
        Assert.Equal("127.0.0.1", published.HostIp);
        Assert.True(int.Parse(published.HostPort, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task NetworkDisconnectConnect_MovesTheContainerOffAndBackOnTheBridge()
    {
        var id = await RunAsync("net", "exec sleep 300");

        await Engine.DisconnectNetworkAsync("bridge", id, force: false, ct);
        Assert.Empty((await Engine.InspectContainerAsync(id, ct)).Networks);

        await Engine.ConnectNetworkAsync("bridge", id, [], ct);
        Assert.Equal("bridge", Assert.Single((await Engine.InspectContainerAsync(id, ct)).Networks).Network);
    }

    [Fact]
    public async Task DisconnectNetworkAsync_UnknownNetwork_ThrowsNotFound()
    {
        var id = await RunAsync("net-missing", "exec sleep 300");

        var e = await Assert.ThrowsAsync<EngineObjectNotFoundException>(() => Engine.DisconnectNetworkAsync("dockerir-no-such-network", id, false, ct));

        Assert.Equal(FailureKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task ListContainersAsync_ByRunLabel_FindsOnlyThisRunsContainers()
    {
        var id = await Engine.CreateContainerAsync(busybox.Shell("true"), busybox.Resources.Name("listed"), ct);

        var listed = await Engine.ListContainersAsync(new ContainerListFilter(All: true, Labels: [$"{TestResources.RunLabel}={busybox.Resources.RunId}"]), ct);

        Assert.Contains(listed, c => c.Id == id);
        Assert.All(listed, c => Assert.Equal(busybox.Resources.RunId, c.Labels[TestResources.RunLabel]));
    }
}
