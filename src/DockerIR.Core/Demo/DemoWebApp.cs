using DockerIR.Core.Engine;

namespace DockerIR.Core.Demo;

/// <summary>
/// The vulnerable web application of the demo and the tests: busybox httpd serving /var/www/html, with a CGI
/// script that evaluates a query parameter as a shell command, the way a PHP <c>eval($_GET['cmd'])</c> bug does.
/// Its start script writes a pid file under /var/run, so a read-only relaunch needs a tmpfs there.
/// </summary>
public static class DemoWebApp
{
    public const string Repository = "dockerir-demo/vulnerable-web";
    public const string WebRoot = "/var/www/html";
    public const string ContainerPort = "8080/tcp";
    public const string PidFile = "/var/run/httpd.pid";
    public const string OriginalIndex = "<!doctype html>\n<html><head><title>ACME Corp</title></head>\n<body><h1>ACME Corp</h1><p>Welcome to our store.</p></body></html>\n";
    public const string AboutPage = "<!doctype html>\n<html><body><h1>About ACME</h1></body></html>\n";

    private const string EvalCgi = """
        #!/bin/sh
        # Vulnerable on purpose: runs the "cmd" query parameter, like PHP eval($_GET['cmd']).
        echo "Content-Type: text/plain"
        echo
        q="${QUERY_STRING#cmd=}"
        cmd=$(httpd -d "$q")
        eval "$cmd" 2>&1
        """;

    private const string StartScript = """
        #!/bin/sh
        # The app refuses to start when it cannot write its pid file, like most daemons.
        echo $$ > /var/run/httpd.pid || { echo "cannot write /var/run/httpd.pid" >&2; exit 1; }
        echo "httpd starting on :8080, serving /var/www/html" >&2
        exec httpd -f -v -p 8080 -h /var/www/html
        """;

    /// <summary>The demo app's root filesystem.</summary>
    public static RootfsBuilder BuildRootfs(string busyboxPath = "/bin/busybox") =>
        RootfsBuilder.Busybox(busyboxPath)
            .Directory("/var/www", 0x1ED)
            .Directory(WebRoot, 0x1ED)
            .File($"{WebRoot}/index.html", OriginalIndex)
            .File($"{WebRoot}/about.html", AboutPage)
            .File($"{WebRoot}/cgi-bin/eval.cgi", EvalCgi + "\n", 0x1ED)
            .File("/usr/local/bin/start-web", StartScript + "\n", 0x1ED);

    /// <summary>Dockerfile instructions applied at import: the command, the port, and the given labels.</summary>
    public static IReadOnlyList<string> ImportChanges(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var changes = new List<string>
        {
            """CMD ["/usr/local/bin/start-web"]""",
            "EXPOSE 8080/tcp",
            "WORKDIR /var/www/html",
            "ENV PATH=/bin:/usr/local/bin",
        };
        changes.AddRange(labels.Select(kv => $"LABEL {kv.Key}=\"{kv.Value}\""));
        return changes;
    }

    /// <summary>Builds and imports the demo image; returns its id.</summary>
    public static async Task<string> ImportAsync(IContainerEngine engine, string tag, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        await using var tar = await BuildRootfs().ToTarAsync(cancellationToken);
        return await engine.ImportImageAsync(tar, new ImportRequest(Repository, tag, ImportChanges(labels), "DockerIR demo: vulnerable web app"), cancellationToken);
    }

    /// <summary>The container spec that runs the demo image with its port published on 127.0.0.1 (port 0: the engine picks one).</summary>
    public static ContainerSpec Spec(string image, IReadOnlyDictionary<string, string> labels, int hostPort = 0) => new()
    {
        Image = image,
        Labels = labels,
        ExposedPorts = [ContainerPort],
        HostConfig = new HostConfigInfo
        {
            PortBindings = [new PortBinding(ContainerPort, "127.0.0.1", hostPort == 0 ? "" : hostPort.ToString())],
        },
    };

    /// <summary>The host address where a running demo container serves, from its inspect.</summary>
    public static Uri BaseAddress(ContainerInspection container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var binding = container.PublishedPorts.FirstOrDefault(p => p.ContainerPort == ContainerPort && p.HostPort.Length > 0)
            ?? throw new DockerIRException(FailureKind.NotFound, $"container {container.Name} publishes no host port for {ContainerPort}");
        var host = binding.HostIp is "" or "0.0.0.0" or "::" ? "127.0.0.1" : binding.HostIp;
        return new Uri($"http://{host}:{binding.HostPort}/");
    }
}
