using System.Text;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Demo;

/// <summary>
/// Builds a root filesystem as a tar stream (for the engine's import), entry by entry, so test and demo
/// images are made locally with no registry. Written with our PAX writer, the project's one tar writer.
/// </summary>
public sealed class RootfsBuilder
{
    private readonly List<Func<TarStreamWriter, CancellationToken, ValueTask>> entries = [];
    private readonly long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly HashSet<string> directories = new(StringComparer.Ordinal);

    /// <summary>A rootfs with a static busybox at /bin/busybox and its applets as symlinks in /bin.</summary>
    public static RootfsBuilder Busybox(string busyboxPath = "/bin/busybox", IEnumerable<string>? applets = null)
    {
        if (!System.IO.File.Exists(busyboxPath))
        {
            throw new DockerIRException(FailureKind.Usage,
                $"busybox not found at {busyboxPath}: install the 'busybox-static' package (apt-get install busybox-static)");
        }

        var builder = new RootfsBuilder();
        foreach (var dir in new[] { "/bin", "/etc", "/tmp", "/var", "/var/run", "/run", "/root", "/proc", "/sys", "/dev", "/usr", "/usr/local", "/usr/local/bin" })
        {
            builder.Directory(dir, dir == "/tmp" ? 0x3FF /* 01777 */ : 0x1ED /* 0755 */);
        }

        builder.HostFile("/bin/busybox", busyboxPath, 0x1ED);
        foreach (var applet in applets ?? DefaultApplets)
        {
            builder.Symlink($"/bin/{applet}", "busybox");
        }

        builder.File("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        builder.File("/etc/group", "root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n");
        return builder;
    }

    /// <summary>The busybox applets a demo or test image needs, and what an attacker typically calls.</summary>
    public static IReadOnlyList<string> DefaultApplets { get; } =
    [
        "sh", "ash", "httpd", "cat", "echo", "printf", "ls", "id", "rm", "mkdir", "cp", "mv", "ln", "chmod", "chown", "touch",
        "sleep", "env", "ps", "wget", "uname", "base64", "hostname", "head", "tail", "grep", "sed", "mkfifo", "dd", "truncate", "true", "false", "nc", "seq", "find",
    ];

    public RootfsBuilder Directory(string path, int mode = 0x1ED)
    {
        EnsureParents(path);
        if (directories.Add(path))
        {
            entries.Add(async (w, ct) => await w.WriteAsync(Member(path, TarItemType.Directory, mode), null, ct));
        }

        return this;
    }

    public RootfsBuilder File(string path, string content, int mode = 0x1A4 /* 0644 */, int uid = 0, int gid = 0) =>
        File(path, Encoding.UTF8.GetBytes(content), mode, uid, gid);

    public RootfsBuilder File(string path, byte[] content, int mode = 0x1A4, int uid = 0, int gid = 0)
    {
        EnsureParents(path);
        entries.Add(async (w, ct) =>
            await w.WriteAsync(Member(path, TarItemType.File, mode) with { Uid = uid, Gid = gid, Size = content.Length }, new MemoryStream(content, writable: false), ct));
        return this;
    }

    public RootfsBuilder HostFile(string path, string hostPath, int mode)
    {
        EnsureParents(path);
        entries.Add(async (w, ct) =>
        {
            await using var data = System.IO.File.OpenRead(hostPath);
            await w.WriteAsync(Member(path, TarItemType.File, mode) with { Size = data.Length }, data, ct);
        });
        return this;
    }

    public RootfsBuilder Symlink(string path, string target)
    {
        EnsureParents(path);
        entries.Add(async (w, ct) => await w.WriteAsync(Member(path, TarItemType.Symlink, 0x1FF) with { LinkName = target }, null, ct));
        return this;
    }

    /// <summary>Writes the rootfs as a tar to <paramref name="destination"/> (left open).</summary>
    public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
    {
        await using var writer = new TarStreamWriter(destination);
        foreach (var write in entries)
        {
            await write(writer, cancellationToken);
        }

        await writer.FinishAsync(cancellationToken);
    }

    /// <summary>The rootfs as an in-memory tar (demo images are a few MB).</summary>
    public async Task<MemoryStream> ToTarAsync(CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        await WriteToAsync(stream, cancellationToken);
        stream.Position = 0;
        return stream;
    }

    private TarMember Member(string path, TarItemType type, int mode) =>
        new() { Name = path.TrimStart('/'), Type = type, Mode = (uint)mode, MtimeSeconds = created };

    private void EnsureParents(string path)
    {
        var parent = Path.GetDirectoryName(path)?.Replace('\\', '/');
        if (parent is null or "/" or "")
        {
            return;
        }

        if (!directories.Contains(parent))
        {
            Directory(parent);
        }
    }
}
