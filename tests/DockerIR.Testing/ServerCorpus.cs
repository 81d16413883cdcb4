using System.Net.Sockets;
using DockerIR.Core.Engine;

namespace DockerIR.Testing;

/// <summary>One server stack of the corpus: its image's build files (a Dockerfile over the corpus base and what it copies).</summary>
public sealed record CorpusServer(string Name, IReadOnlyDictionary<string, string> Files);

/// <summary>
/// The real-workload corpus: servers from Debian's packages, run the way their users run them. The root filesystem is
/// built once per machine by scripts/corpus.sh (debootstrap from the configured mirror, cached by package list);
/// this fixture imports it once per test class and builds one image per stack on it (`docker build`, labelled), so
/// the stacks' images are real images with their own command, ports, volumes and user. Named volumes and networks the
/// tests create are labelled and removed with the fixture.
/// </summary>
public sealed class ServerCorpus : EngineFixture
{
    public const string ApachePhp = "apache-php";
    public const string NginxPhpFpm = "nginx-php-fpm";
    public const string Postgres = "postgres";
    public const string Redis = "redis";
    public const string MariaDb = "mariadb";
    public const string PythonGunicorn = "python-gunicorn";

    private readonly List<string> volumes = [];
    private readonly List<string> networks = [];
    private readonly Dictionary<string, string> images = new(StringComparer.Ordinal);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The base image, imported from the cached rootfs tar.</summary>
    public string BaseImage => $"dockerir-test/corpus-base:{Resources.RunId}";

    /// <summary>The image of a stack, built on the base.</summary>
    public string Image(string stack) => images[stack];

    /// <summary>How long building the rootfs (or finding it cached), importing it and building the stacks took, for the test log.</summary>
    public string Timings { get; private set; } = "";

    public static IReadOnlyList<CorpusServer> Stacks { get; } =
    [
        new(ApachePhp, new Dictionary<string, string>
        {
            ["Dockerfile"] = """
                FROM BASE
                COPY www/ /var/www/html/
                RUN chown -R www-data:www-data /var/www/html
                EXPOSE 80
                CMD ["apache2ctl", "-D", "FOREGROUND"]
                """,
            ["www/index.html"] = "<!doctype html><h1>Corpus shop</h1>\n",
            // The bug the seed story starts from: a PHP eval of a request parameter.
            ["www/vuln.php"] = "<?php ini_set('display_errors', '1'); eval($_GET['c'] ?? ''); ?>\n",
            ["www/db.php"] = "<?php $r = new Redis(); $r->connect('db', 6379); echo $r->ping() ? \"DB OK\" : \"DB DOWN\"; ?>\n",
        }),
        new(NginxPhpFpm, new Dictionary<string, string>
        {
            ["Dockerfile"] = """
                FROM BASE
                COPY default.conf /etc/nginx/sites-enabled/default
                COPY www/ /var/www/html/
                COPY start /usr/local/bin/start-nginx-php
                EXPOSE 80
                CMD ["/usr/local/bin/start-nginx-php"]
                """,
            ["default.conf"] = """
                server {
                    listen 80 default_server;
                    root /var/www/html;
                    index index.php index.html;
                    location ~ \.php$ {
                        include snippets/fastcgi-php.conf;
                        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
                    }
                }

                """,
            ["www/index.php"] = "<?php echo 'PHP OK ' . PHP_VERSION; ?>\n",
            ["start"] = """
                #!/bin/sh
                # Two processes, as the image's users run it: php-fpm behind nginx on a unix socket under /run/php.
                set -e
                mkdir -p /run/php
                php-fpm8.2 --nodaemonize &
                exec nginx -g 'daemon off;'

                """,
        }),
        new(Postgres, new Dictionary<string, string>
        {
            ["Dockerfile"] = """
                FROM BASE
                COPY --chown=postgres:postgres data/ /var/lib/postgresql/data/
                COPY start /usr/local/bin/start-postgres
                RUN mkdir -p /run/postgresql && chown postgres:postgres /run/postgresql && chmod 2775 /run/postgresql
                ENV PGDATA=/var/lib/postgresql/data
                VOLUME /var/lib/postgresql/data
                USER postgres
                EXPOSE 5432
                CMD ["/usr/local/bin/start-postgres"]
                """,
            ["data/.keep"] = "",
            ["start"] = """
                #!/bin/sh
                set -e
                if [ ! -s "$PGDATA/PG_VERSION" ]; then
                  rm -f "$PGDATA/.keep"
                  chmod 700 "$PGDATA"
                  /usr/lib/postgresql/15/bin/initdb -D "$PGDATA" --auth=trust -U postgres >/dev/null
                  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
                  echo "host all all 0.0.0.0/0 trust" >> "$PGDATA/pg_hba.conf"
                fi
                exec /usr/lib/postgresql/15/bin/postgres -D "$PGDATA"

                """,
        }),
        new(Redis, new Dictionary<string, string>
        {
            ["Dockerfile"] = """
                FROM BASE
                VOLUME /var/lib/redis
                USER redis
                EXPOSE 6379
                CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/redis-server.log"]
                """,
        }),
        new(MariaDb, new Dictionary<string, string>
        {
            ["Dockerfile"] = """
                FROM BASE
                COPY init.sql /etc/mysql/corpus-init.sql
                COPY start /usr/local/bin/start-mariadb
                VOLUME /var/lib/mysql
                EXPOSE 3306
                CMD ["/usr/local/bin/start-mariadb"]
                """,
            ["init.sql"] = "CREATE DATABASE IF NOT EXISTS app;\nCREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app';\nGRANT ALL ON app.* TO 'app'@'%';\n",
            ["start"] = """
                #!/bin/sh
                set -e
                mkdir -p /run/mysqld
                chown mysql:mysql /run/mysqld
                if [ ! -d /var/lib/mysql/mysql ]; then
                  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
                fi
                exec mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=0.0.0.0 --init-file=/etc/mysql/corpus-init.sql

                """,
        }),
        new(PythonGunicorn, new Dictionary<string, string>
        {
            ["Dockerfile"] = """
                FROM BASE
                COPY app/ /srv/app/
                WORKDIR /srv/app
                USER www-data
                EXPOSE 8000
                CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:application"]
                """,
            ["app/app.py"] = """
                import pymysql


                def application(environ, start_response):
                    path = environ.get("PATH_INFO", "/")
                    if path == "/db":
                        try:
                            conn = pymysql.connect(host="db", user="app", password="app", database="app", connect_timeout=3)
                            with conn.cursor() as cur:
                                cur.execute("SELECT 1")
                                body = b"DB OK" if cur.fetchone()[0] == 1 else b"DB WRONG"
                            conn.close()
                        except Exception as e:  # the probe shows why
                            body = ("DB DOWN: %s" % e).encode()
                    else:
                        body = b"Python app OK"
                    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                    return [body]

                """,
        }),
    ];

    protected override async Task SetUpAsync()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var build = await ProcessRunner.RunAsync("bash", [Path.Combine(Checkout.Root(), "scripts", "corpus.sh")], timeout: TimeSpan.FromMinutes(20));
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/corpus.sh failed (exit {build.ExitCode}): {build.StdErr}");
        }

        var tar = build.StdOut.Trim().Split('\n')[^1];
        var rootfs = watch.Elapsed;
        await using (var stream = File.OpenRead(tar))
        {
            var changes = Resources.Labels.Select(kv => $"LABEL {kv.Key}=\"{kv.Value}\"").ToList();
            await Engine.ImportImageAsync(stream, new ImportRequest("dockerir-test/corpus-base", Resources.RunId, changes, "DockerIR test corpus"), CancellationToken.None);
        }

        var imported = watch.Elapsed;
        foreach (var stack in Stacks)
        {
            images[stack.Name] = await BuildAsync(stack);
        }

        Timings = $"rootfs {rootfs.TotalSeconds:0.0} s, import {(imported - rootfs).TotalSeconds:0.0} s, {Stacks.Count} stack images {(watch.Elapsed - imported).TotalSeconds:0.0} s";
    }

    private async Task<string> BuildAsync(CorpusServer stack)
    {
        var context = Directory.CreateTempSubdirectory($"dockerir-corpus-{stack.Name}-");
        try
        {
            foreach (var (name, text) in stack.Files)
            {
                var path = Path.Combine(context.FullName, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, name == "Dockerfile" ? text.Replace("FROM BASE", $"FROM {BaseImage}", StringComparison.Ordinal) : text);
                if (name == "start" && OperatingSystem.IsLinux())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                }
            }

            var tag = $"dockerir-test/corpus-{stack.Name}:{Resources.RunId}";
            var result = await ProcessRunner.RunAsync("docker", ["build", "-q", "--force-rm", .. Resources.Labels.SelectMany(kv => new[] { "--label", $"{kv.Key}={kv.Value}" }), "-t", tag, context.FullName],
                new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "0" }, timeout: TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"docker build of corpus stack {stack.Name} failed: {result.StdErr}");
            }

            return tag;
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>A named volume for this run, labelled and removed with the fixture.</summary>
    public async Task<string> VolumeAsync(string stem)
    {
        var name = Resources.Name(stem);
        await Docker(["volume", "create", .. LabelArgs(), name]);
        volumes.Add(name);
        return name;
    }

    /// <summary>A user-defined network for this run, labelled and removed with the fixture.</summary>
    public async Task<string> NetworkAsync(string stem)
    {
        var name = Resources.Name(stem);
        await Docker(["network", "create", .. LabelArgs(), name]);
        networks.Add(name);
        return name;
    }

    /// <summary>`docker run -d` with this run's labels (and a name); returns the container's name.</summary>
    public async Task<string> RunAsync(string stem, params string[] args)
    {
        var name = Resources.Name(stem);
        await Docker(["run", "-d", "--name", name, .. LabelArgs(), .. args]);
        return name;
    }

    /// <summary>The host port the engine published for a container port.</summary>
    public static async Task<int> HostPortAsync(string container, string containerPort)
    {
        var result = await ProcessRunner.DockerAsync("port", container, containerPort);
        var line = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? throw new InvalidOperationException($"{container} publishes no {containerPort}: {result.StdErr}");
        return int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until an HTTP GET answers 200 with the text, or a TCP connect succeeds (text null), for up to a minute.</summary>
    public async Task WaitUntilServingAsync(int port, string? path, string? text, string container)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (path is null)
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync("127.0.0.1", port);
                    return;
                }

                var body = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}{path}"));
                if (text is null || body.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                last = body;
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(500);
        }

        var logs = await ProcessRunner.DockerAsync("logs", "--tail", "20", container);
        throw new TimeoutException($"{container} does not serve on port {port}{path} ({last}); its logs: {logs.StdOut} {logs.StdErr}");
    }

    public string[] LabelArgs() => Resources.Labels.SelectMany(kv => new[] { "--label", $"{kv.Key}={kv.Value}" }).ToArray();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync(); // containers first: a volume or network in use cannot be removed
        foreach (var volume in volumes)
        {
            await ProcessRunner.DockerAsync("volume", "rm", "-f", volume);
        }

        foreach (var network in networks)
        {
            await ProcessRunner.DockerAsync("network", "rm", network);
        }

        Http.Dispose();
    }

    /// <summary>Runs the docker CLI and fails with its error when it fails.</summary>
    public static async Task<string> Docker(params string[] args)
    {
        var result = await ProcessRunner.DockerAsync(args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} failed: {result.StdErr}");
        }

        return result.StdOut;
    }
}
