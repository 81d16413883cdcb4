using System.Security.Cryptography;
using System.Text;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>
/// A breached web container on the fake engine, with real layer directories on this host: the image holds the
/// original page, a tool and a runtime directory; the container's upper directory holds the defaced page, a web
/// shell, a link to the host's /etc/shadow, a pid file, and a whiteout for the deleted tool. Its change set says the
/// same. The image has a healthcheck, so a replacement's probe answers at once.
/// </summary>
public sealed class FakeBreach : IDisposable
{
    public const string Id = "c0ffee00000000000000000000000000000000000000000000000000000000b1";
    public const string OriginalPage = "<h1>Welcome</h1>\n";
    public const string DefacedPage = "<h1>hacked by x</h1>\n";
    public const string Shell = "<?php eval($_POST['c']); ?>\n";
    public const string Tool = "#!/bin/sh\necho tool\n";

    private FakeBreach(string root, FakeEngine engine)
    {
        Root = root;
        Engine = engine;
    }

    /// <summary>A temporary folder holding the layers (and anything else the test writes).</summary>
    public string Root { get; }

    public FakeEngine Engine { get; }

    public ContainerInspection Suspect => Engine.Get(Id);

    public static ChangeEntry[] ChangeSet { get; } =
    [
        new("/usr", ChangeKind.Changed), new("/usr/bin", ChangeKind.Changed), new("/usr/bin/tool", ChangeKind.Deleted),
        new("/var", ChangeKind.Changed), new("/var/run", ChangeKind.Changed), new("/var/run/httpd.pid", ChangeKind.Added),
        new("/var/www", ChangeKind.Changed), new("/var/www/html", ChangeKind.Changed), new("/var/www/html/escape", ChangeKind.Added),
        new("/var/www/html/index.html", ChangeKind.Changed), new("/var/www/html/shell.php", ChangeKind.Added),
    ];

    /// <param name="endpoint">unix://… for an engine on this host (layers read from disk), anything else for one reached over the archive role.</param>
    public static async Task<FakeBreach> CreateAsync(string endpoint = "unix:///fake/docker.sock")
    {
        var root = Directory.CreateTempSubdirectory("dockerir-fake-breach-").FullName;
        var image = Path.Combine(root, "image-layer");
        var upper = Path.Combine(root, "upper");
        Write(image, "/var/www/html/index.html", OriginalPage);
        Write(image, "/usr/bin/tool", Tool);
        Write(image, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        Directory.CreateDirectory(image + "/var/run");
        Write(upper, "/var/www/html/index.html", DefacedPage);
        Write(upper, "/var/www/html/shell.php", Shell);
        Write(upper, "/var/run/httpd.pid", "1\n");
        File.CreateSymbolicLink(upper + "/var/www/html/escape", "/etc/shadow");
        Directory.CreateDirectory(upper + "/usr/bin");
        var whiteout = await ProcessRunner.RunAsync("mknod", [upper + "/usr/bin/tool", "c", "0", "0"]);
        if (whiteout.ExitCode != 0)
        {
            throw new InvalidOperationException($"mknod of a whiteout failed: {whiteout.StdErr}");
        }

        var suspect = FakeEngine.Container(Id, "web", "shop/web:1.4");
        suspect = suspect with
        {
            Config = suspect.Config with { Healthcheck = new HealthcheckSpec(["CMD", "true"], 0, 0, 0, 0) },
            HostConfig = suspect.HostConfig with { NetworkMode = "frontend" },
            Networks = [new NetworkAttachment("frontend", "net-frontend", ["web", "shop"], "10.99.0.7")],
            RawJson = Encoding.UTF8.GetBytes("""
                {"Id":"@ID","Name":"/web","Image":"@IMAGE",
                 "Config":{"Hostname":"web","Image":"shop/web:1.4","Cmd":["/start"],"Env":["APP_ENV=prod"],"ExposedPorts":{"80/tcp":{}},
                           "Healthcheck":{"Test":["CMD","true"]},"Labels":{}},
                 "HostConfig":{"NetworkMode":"frontend","Dns":["10.99.0.53"],"RestartPolicy":{"Name":"unless-stopped"}},
                 "NetworkSettings":{"Networks":{"frontend":{"Aliases":["web","shop"],"NetworkID":"net-frontend","IPAddress":"10.99.0.7"}}}}
                """.Replace("@ID", Id, StringComparison.Ordinal).Replace("@IMAGE", suspect.ImageId, StringComparison.Ordinal)),
        };
        var engine = new FakeEngine(endpoint).Add(suspect, upper, [image], ChangeSet);
        return new FakeBreach(root, engine);
    }

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Write(string layer, string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(layer + path)!);
        File.WriteAllText(layer + path, text);
    }
}
