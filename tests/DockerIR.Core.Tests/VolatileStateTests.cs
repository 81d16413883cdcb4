using System.Net;
using DockerIR.Core.Case;
using DockerIR.Core.Platform;
using DockerIR.Core.Response;
using DockerIR.Core.Snapshot;
using DockerIR.Core.Triage.Rules;

namespace DockerIR.Core.Tests;

/// <summary>The /proc parsers and the process rules, on the kernel's text and on records built here (no engine).</summary>
public sealed class VolatileStateTests
{
    [Fact]
    public void BootTime_FromUptime_ToTheHundredth_BtimeWhenUptimeIsMissingOrDisagrees()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_100_500);
        const string stat = "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n";

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250), ProcFs.BootTimeOf("100.25 300.00\n", stat, now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), ProcFs.BootTimeOf(null, stat, now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), ProcFs.BootTimeOf("5000.00 1.00", stat, now));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250), ProcFs.BootTimeOf("100.25", null, now));
        Assert.Null(ProcFs.BootTimeOf("garbage", "btime x", now));
    }

    [Fact]
    public void ProcessStart_FromThisHostsProc_IsWithin50MsOfWhatTheRuntimeSays()
    {
        // This test process, read as the capture reads a container's: /proc/PID/stat's start ticks after the boot.
        var stat = ProcFs.ParseStat(File.ReadAllText($"/proc/{Environment.ProcessId}/stat"));
        var boot = ProcFs.BootTime();

        Assert.NotNull(stat);
        Assert.NotNull(boot);
        var started = boot.Value + TimeSpan.FromSeconds((double)stat.Value.StartTicks / ProcFs.ClockTicks);
        var runtime = new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());
        Assert.InRange((started - runtime).Duration().TotalMilliseconds, 0, 50);
    }

    [Fact]
    public void ParseInet_ReadsBothEndsStateAndInode_IPv4AndIPv6()
    {
        const string tcp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0300120A:86F6 0200120A:115C 01 00000000:00000000 00:00000000 00000000     0        0 3280655 1 0000000000000000 20 4 30 10 -1
               1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
            """;
        var sockets = ProcFs.ParseInet(tcp, "tcp");

        Assert.Equal(2, sockets.Count);
        Assert.Equal((IPAddress.Parse("10.18.0.3"), 34550, IPAddress.Parse("10.18.0.2"), 4444, "ESTABLISHED", 3280655UL),
            (sockets[0].Local, sockets[0].LocalPort, sockets[0].Remote, sockets[0].RemotePort, sockets[0].State, sockets[0].Inode));
        Assert.Equal(("LISTEN", 8080), (sockets[1].State, sockets[1].LocalPort));

        const string tcp6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1
               1: 0000000000000000FFFF00000300120A:0050 0000000000000000FFFF00000200120A:C350 01 00000000:00000000 00:00000000 00000000     0        0 3333 1
            """;
        var six = ProcFs.ParseInet(tcp6, "tcp6");
        Assert.Equal(IPAddress.IPv6Loopback, six[0].Local);
        Assert.Equal(IPAddress.Parse("10.18.0.2"), six[1].Remote);
        Assert.Equal(50000, six[1].RemotePort);
    }

    [Fact]
    public void ParseInet_SkipsMalformedLines()
    {
        Assert.Empty(ProcFs.ParseInet("header\n 0: zz:1 00:00 01 x x x x 0 0 notanumber\n 1: 0100007F 0100007F:0 01\n", "tcp"));
    }

    [Fact]
    public void ParseUnix_ReadsTypeStateInodeAndAPathWithSpaces()
    {
        const string unix = """
            Num       RefCount Protocol Flags    Type St Inode Path
            0000000000000000: 00000002 00000000 00010000 0001 01 44 /run/my app.sock
            0000000000000000: 00000003 00000000 00000000 0001 03 45
            """;
        var sockets = ProcFs.ParseUnix(unix);

        Assert.Equal([new UnixSocket("stream", "UNCONNECTED", 44, "/run/my app.sock"), new UnixSocket("stream", "CONNECTED", 45, null)], sockets);
    }

    [Fact]
    public void ParseMaps_KeepsPathsWithSpacesAndDeletedMarks()
    {
        var maps = ProcFs.ParseMaps("00400000-00452000 r-xp 00000000 08:02 173521 /tmp/.x/my prog (deleted)\n7ffd0000-7ffd2000 rw-p 00000000 00:00 0 [stack]\nbroken\n");

        Assert.Equal(2, maps.Count);
        Assert.Equal(new MapsLine(0x400000, 0x452000, "r-xp", 0, 173521, "/tmp/.x/my prog (deleted)"), maps[0]);
        Assert.Equal(("[stack]", 0x2000UL), (maps[1].Path, maps[1].End - maps[1].Start));
        Assert.Equal(("/tmp/.x/my prog", true), HostVolatileCapture.SplitDeleted("/tmp/.x/my prog (deleted)"));
        Assert.Equal(("/bin/busybox", false), HostVolatileCapture.SplitDeleted("/bin/busybox"));
    }

    [Fact]
    public void ParsePasswd_TakesNameAndUid_SkipsLinesWithoutANumericUid()
    {
        var users = HostVolatileCapture.ParsePasswd("root:x:0:0:root:/root:/bin/sh\n+::::::\nbad:x:notanumber:0::/:\nwww-data:x:33:33::/var/www:/bin/false\n\n");

        Assert.Equal([new ImageUser("root", 0), new ImageUser("www-data", 33)], users);
    }

    [Theory]
    [InlineData("all", true, new int[0])]
    [InlineData("12, 34", false, new[] { 12, 34 })]
    public void MemorySelection_ParsesAllOrPids(string text, bool all, int[] pids)
    {
        var selection = MemorySelection.Parse(text, 1024);

        Assert.Equal(all, selection.All);
        Assert.Equal(pids, selection.HostPids);
        Assert.Equal(1024L, selection.Cap);
    }

    [Theory]
    [InlineData("12,x")]
    [InlineData("-3")]
    [InlineData("0")]
    public void MemorySelection_RefusesAnythingButPids(string text)
    {
        var e = Assert.Throws<DockerIRException>(() => MemorySelection.Parse(text, 1024));
        Assert.Equal(FailureKind.Usage, e.Kind);
    }

    [Fact]
    public void SnapshotStep_TakesMemoryAndItsCap_AsTheCommandLineDoes()
    {
        var memory = Response.StepSpec.Of(Response.StepSpec.Snapshot, ("memory", "all"), ("memory_max", "512M")).Memory();
        Assert.Equal((true, 512L << 20), (memory.All, memory.Cap));
        Assert.False(Response.StepSpec.Of(Response.StepSpec.Snapshot).Memory().Any);

        var e = Assert.Throws<DockerIRException>(() => Response.StepSpec.Of(Response.StepSpec.Snapshot, ("memory", "init")).Check());
        Assert.Equal("step snapshot: memory 'init' must be 'all' or host pids separated by commas", e.Message);
    }

    private static ProcessRecord Process(int pid, string exe, bool deleted = false, long uid = 0, string[]? cmdline = null, params OpenFile[] fds) =>
        new(pid, pid - 100, 1, Path.GetFileName(exe), "S", [uid, uid, uid, uid], [0, 0, 0, 0], [], new ProcessCapabilities(null, null, null, null, null),
            null, cmdline ?? [exe], [], "/", "/", exe, deleted, "ab", new Dictionary<string, string>(), "0::/", 0, false, fds, []);

    private static ProcessesRecord Record(IReadOnlyList<ImageUser>? users, params ProcessRecord[] processes) =>
        new(ProcessesRecord.CurrentFormatVersion, DateTimeOffset.UnixEpoch, true, 100, processes, [], [], [], users);

    private static SocketRecord Tcp(ulong inode, string state, string local, int localPort, string? remote, int? remotePort) =>
        new("tcp", state, local, localPort, remote, remotePort, null, inode, "net:[1]", []);

    [Fact]
    public void Rules_FindTheDeletedTempProgramAndTheReverseShell()
    {
        var processes = Record([new ImageUser("root", 0)],
            Process(200, "/tmp/.x/m", deleted: true),
            Process(201, "/bin/busybox", cmdline: ["/bin/sh"], fds: [new OpenFile(0, "socket:[77]"), new OpenFile(1, "socket:[77]")]),
            Process(202, "/bin/busybox", cmdline: ["httpd", "-f"], fds: [new OpenFile(0, "socket:[78]")]),
            Process(203, "/usr/sbin/nginx"));
        var sockets = new SocketsRecord(SocketsRecord.CurrentFormatVersion, [Tcp(77, "ESTABLISHED", "172.18.0.3", 40000, "172.18.0.2", 4444)], []);

        var findings = ProcessFamily.From(processes, sockets).ToList();

        Assert.Equal(["process.deleted-program", "process.temp-program", "process.reverse-shell"], findings.Select(f => f.Rule));
        Assert.All(findings, f => Assert.Equal(Severity.High, f.Severity));
        Assert.Contains("172.18.0.2:4444", findings[2].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void OutboundPublic_IsOnlyAnEstablishedConnectionToAPublicAddressNotToAListeningPort()
    {
        var sockets = new SocketsRecord(SocketsRecord.CurrentFormatVersion,
        [
            Tcp(1, "LISTEN", "0.0.0.0", 80, "0.0.0.0", 0),
            Tcp(2, "ESTABLISHED", "172.17.0.2", 80, "203.0.113.9", 51000),   // a visitor of the site
            Tcp(3, "ESTABLISHED", "172.17.0.2", 41000, "10.0.0.5", 5432),    // the database
            Tcp(4, "ESTABLISHED", "172.17.0.2", 42000, "198.51.100.7", 3333), // the miner's pool
        ], []);

        var finding = Assert.Single(ProcessFamily.From(Record(null), sockets));

        Assert.Equal("process.outbound-public", finding.Rule);
        Assert.Contains("198.51.100.7:3333", finding.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedUser_IsAUidTheImageDoesNotDefine_AndNothingWhenThePasswdWasNotRead()
    {
        var processes = new[] { Process(300, "/usr/sbin/nginx", uid: 33), Process(301, "/usr/sbin/nginx", uid: 4242) };

        var finding = Assert.Single(ProcessFamily.From(Record([new ImageUser("root", 0), new ImageUser("www-data", 33)], processes), null));
        Assert.Equal(("process.undefined-user", Severity.Medium), (finding.Rule, finding.Severity));
        Assert.Contains("pid 301 runs as uid 4242", finding.Why, StringComparison.Ordinal);
        Assert.Empty(ProcessFamily.From(Record(null, processes), null));
    }

    [Theory]
    [InlineData("/tmp/x", true)]
    [InlineData("/dev/shm/x", true)]
    [InlineData("/var/www/.cache/x", true)]
    [InlineData("/memfd:payload (deleted)", true)]
    [InlineData("/usr/sbin/nginx", false)]
    [InlineData("/usr/lib/../bin/x", false)]
    public void IsTempOrHidden(string path, bool expected) => Assert.Equal(expected, ProcessFamily.IsTempOrHidden(path));
}
