using System.Diagnostics;
using System.Text;
using DockerIR.Core.Extraction;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Tests;

public sealed class TarStreamTests
{
    private static readonly byte[] BinaryXattr = [0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x20];

    private static List<(TarMember Member, byte[] Data)> Members() =>
    [
        (new TarMember { Name = "var/www/html/", Type = TarItemType.Directory, Mode = 0x1ED, MtimeSeconds = 1_700_000_000, MtimeNanos = 123_456_789, HasNanos = true }, []),
        (new TarMember { Name = "var/www/html/shell.php", Type = TarItemType.File, Mode = 0x1A4, Uid = 33, Gid = 33, Size = 11, MtimeSeconds = 1_700_000_001 }, "<?php x ?>\n"u8.ToArray()),
        (new TarMember { Name = "data/new\nline", Type = TarItemType.File, Mode = 0x1A4, Size = 1, MtimeSeconds = 1 }, "n"u8.ToArray()),
        (new TarMember { Name = "data/ünïcödé-日本", Type = TarItemType.File, Mode = 0x1A4, Size = 0, MtimeSeconds = 2 }, []),
        (new TarMember { Name = "data/" + new string('d', 120) + "/" + new string('f', 99), Type = TarItemType.File, Mode = 0x1A4, Size = 3, MtimeSeconds = 3 }, "abc"u8.ToArray()),
        (new TarMember { Name = "data/" + string.Join('/', Enumerable.Repeat("very-long-directory-name", 15)), Type = TarItemType.File, Mode = 0x1A4, Size = 1, MtimeSeconds = 4 }, "z"u8.ToArray()),
        (new TarMember { Name = "data/suid", Type = TarItemType.File, Mode = 0x9ED, Uid = 4_000_000_000, Gid = 3_000_000, Size = 2, MtimeSeconds = 5, Xattrs = new Dictionary<string, byte[]> { ["security.capability"] = BinaryXattr, ["user.note"] = "hi"u8.ToArray() } }, "MZ"u8.ToArray()),
        (new TarMember { Name = "data/escape", Type = TarItemType.Symlink, Mode = 0x1FF, LinkName = "../../../../../../etc/shadow", MtimeSeconds = 6 }, []),
        (new TarMember { Name = "data/longlink", Type = TarItemType.Symlink, Mode = 0x1FF, LinkName = "/" + new string('t', 150), MtimeSeconds = 6 }, []),
        (new TarMember { Name = "data/hard", Type = TarItemType.HardLink, Mode = 0x1A4, LinkName = "data/suid", MtimeSeconds = 7 }, []),
        (new TarMember { Name = "data/fifo", Type = TarItemType.Fifo, Mode = 0x1A4, MtimeSeconds = 8 }, []),
        (new TarMember { Name = "dev/evil", Type = TarItemType.CharDevice, Mode = 0x1B6, DevMajor = 1, DevMinor = 3, MtimeSeconds = 9 }, []),
    ];

    private static async Task<byte[]> WriteAsync(IEnumerable<(TarMember Member, byte[] Data)> members)
    {
        var output = new MemoryStream();
        await using (var writer = new TarStreamWriter(output))
        {
            foreach (var (member, data) in members)
            {
                await writer.WriteAsync(member, new MemoryStream(data), CancellationToken.None);
            }
        }

        return output.ToArray();
    }

    private static async Task<List<(TarItem Item, byte[] Data)>> ReadAsync(byte[] tar)
    {
        var items = new List<(TarItem, byte[])>();
        using var reader = new TarStreamReader(new MemoryStream(tar));
        while (await reader.NextAsync(CancellationToken.None) is { } item)
        {
            var data = new MemoryStream();
            await item.Data.CopyToAsync(data);
            items.Add((item, data.ToArray()));
        }

        return items;
    }

    [Fact]
    public async Task WriterThenReader_HostileMembers_RoundTripEveryField()
    {
        var members = Members();

        var read = await ReadAsync(await WriteAsync(members));

        Assert.Equal(members.Count, read.Count);
        foreach (var ((m, data), (item, readData)) in members.Zip(read))
        {
            Assert.Equal(m.Name, item.Name);
            Assert.Equal(m.Type, item.Type);
            Assert.Equal(m.Mode, item.Mode);
            Assert.Equal((m.Uid, m.Gid), (item.Uid, item.Gid));
            Assert.Equal(m.MtimeSeconds, item.MtimeSeconds);
            Assert.Equal(m.HasNanos ? m.MtimeNanos : 0, item.MtimeNanos);
            Assert.Equal(m.LinkName, item.LinkName);
            Assert.Equal((m.DevMajor, m.DevMinor), (item.DevMajor, item.DevMinor));
            Assert.Equal(data, readData);
            Assert.Equal(m.Xattrs.Keys.Order(), item.Xattrs.Keys.Order());
            foreach (var (k, v) in m.Xattrs)
            {
                Assert.Equal(v, item.Xattrs[k]);
            }
        }
    }

    [Fact]
    public async Task Writer_Output_IsReadByGnuTar()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dockerir-tar-{Guid.NewGuid():N}.tar");
        await File.WriteAllBytesAsync(path, await WriteAsync(Members()));
        try
        {
            var info = new ProcessStartInfo("tar", ["--full-time", "-tvf", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var tar = Process.Start(info)!;
            var listing = await tar.StandardOutput.ReadToEndAsync();
            var errors = await tar.StandardError.ReadToEndAsync();
            await tar.WaitForExitAsync();

            Assert.True(tar.ExitCode == 0, errors);
            Assert.Contains("var/www/html/shell.php", listing, StringComparison.Ordinal);
            Assert.Contains("33/33", listing, StringComparison.Ordinal);
            Assert.Contains("-rwsr-xr-x", listing, StringComparison.Ordinal);
            Assert.Contains("../../../../../../etc/shadow", listing, StringComparison.Ordinal);
            Assert.Contains(".123456789", listing, StringComparison.Ordinal);
            Assert.Contains("very-long-directory-name/very-long-directory-name", listing, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Writer_SourceShorterThanDeclared_PadsAndSaysSo()
    {
        var output = new MemoryStream();
        TarWriteOutcome outcome;
        await using (var writer = new TarStreamWriter(output))
        {
            outcome = await writer.WriteAsync(new TarMember { Name = "f", Type = TarItemType.File, Size = 10 }, new MemoryStream("abc"u8.ToArray()), CancellationToken.None);
        }

        Assert.True(outcome.SourceShorter);
        Assert.Equal(3, outcome.SourceBytes);
        var (item, data) = Assert.Single(await ReadAsync(output.ToArray()));
        Assert.Equal(10, item.Size);
        Assert.Equal("abc\0\0\0\0\0\0\0"u8.ToArray(), data);
    }

    [Fact]
    public async Task Writer_SourceLongerThanDeclared_CutsAndSaysSo()
    {
        var output = new MemoryStream();
        TarWriteOutcome outcome;
        await using (var writer = new TarStreamWriter(output))
        {
            outcome = await writer.WriteAsync(new TarMember { Name = "f", Type = TarItemType.File, Size = 2 }, new MemoryStream("abcdef"u8.ToArray()), CancellationToken.None);
        }

        Assert.True(outcome.SourceLonger);
        Assert.Equal("ab"u8.ToArray(), Assert.Single(await ReadAsync(output.ToArray())).Data);
    }

    [Fact]
    public async Task Reader_CorruptedHeader_IsRefused()
    {
        var tar = await WriteAsync(Members().Take(2));
        // Block 2 is the directory's ustar header (blocks 0 and 1 are its PAX header and records).
        tar[1024 + 10] ^= 0x20;

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAsync(tar));
    }

    [Fact]
    public async Task Reader_TruncatedStream_IsRefused()
    {
        var tar = await WriteAsync(Members().Take(2));

        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAsync(tar[..1100]));
    }

    [Fact]
    public async Task Reader_OversizedPaxHeader_IsRefusedBeforeReadingIt()
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes("PaxHeaders/x").CopyTo(header, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        Encoding.ASCII.GetBytes("77777777777\0").CopyTo(header, 124);
        header[156] = (byte)'x';
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = header.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAsync([.. header, .. new byte[1024]]));

        Assert.Contains("PAX header", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a/b", "/a.txt", -1)]
    [InlineData("/a", "/a/b", -1)]
    [InlineData("/b", "/a/z", 1)]
    [InlineData("/same", "/same", 0)]
    public void WalkOrder_VisitsADirectorysChildrenBeforeItsSiblings(string x, string y, int sign)
    {
        Assert.Equal(sign, Math.Sign(WalkOrder.Instance.Compare(x, y)));
    }
}
