using System.Net;
using DockerIR.Core.Platform;
using DockerIR.Testing;

namespace DockerIR.Cli.Tests;

/// <summary>
/// The host's neighbour table as the relaunch writes it (issue 18: a client polling the published port otherwise waits
/// for the kernel's next ARP try, 1 s, after the replacement starts), on a bridge network made for the test.
/// </summary>
public sealed class NeighbourTableTests(BusyboxFixture busybox) : IClassFixture<BusyboxFixture>
{
    [Fact]
    public async Task Learn_SetsTheAddressOnTheNetworksBridge_AndAnUnknownInterfaceIsRefused()
    {
        var octet = Random.Shared.Next(16, 250);
        var network = busybox.Resources.Name("neighbours");
        var labels = busybox.Resources.Labels.SelectMany(kv => new[] { "--label", $"{kv.Key}={kv.Value}" });
        var created = await ProcessRunner.DockerAsync(["network", "create", .. labels, "--subnet", $"172.28.{octet}.0/24", network]);
        Assert.True(created.ExitCode == 0, created.StdErr);
        try
        {
            var bridge = NeighbourTable.InterfaceHolding(IPAddress.Parse($"172.28.{octet}.1"));
            Assert.NotNull(bridge);
            Assert.Null(NeighbourTable.InterfaceHolding(IPAddress.Parse("192.0.2.1")));
            var address = $"172.28.{octet}.200";

            NeighbourTable.Learn(bridge.Value.Index, IPAddress.Parse(address), [0x02, 0x42, 0xac, 0x1c, (byte)octet, 200]);

            var entry = (await File.ReadAllLinesAsync("/proc/net/arp")).Skip(1)
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .SingleOrDefault(f => f[0] == address);
            Assert.NotNull(entry);
            Assert.Equal($"02:42:ac:1c:{octet:x2}:c8", entry[3]);
            Assert.Equal(bridge.Value.Name, entry[5]);
            var refused = Assert.Throws<IOException>(() => NeighbourTable.Learn(int.MaxValue, IPAddress.Parse(address), [2, 0, 0, 0, 0, 1]));
            Assert.Contains("device", refused.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            // Removing the network removes its bridge and the entries on it.
            await ProcessRunner.DockerAsync("network", "rm", network);
        }
    }
}
