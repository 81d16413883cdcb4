using System.Text.Json;
using Xunit;

namespace DockerIR.Testing;

/// <summary>
/// Microsoft's SARIF Multitool (<c>validate --rule-kind Gh;Sarif</c>: the SARIF spec's rules and GitHub code scanning's
/// upload rules), installed by scripts/tools.sh and named by <c>DOCKERIR_SARIF_MULTITOOL</c>.
/// </summary>
public static class SarifValidator
{
    /// <summary>One problem the validator reported: its rule, effective level and message id.</summary>
    public sealed record Problem(string RuleId, string Level, string MessageId, string Where);

    public static async Task<IReadOnlyList<Problem>> ValidateAsync(string sarifFile)
    {
        var tool = Environment.GetEnvironmentVariable("DOCKERIR_SARIF_MULTITOOL");
        Assert.True(!string.IsNullOrEmpty(tool) && File.Exists(tool),
            "the SARIF Multitool is not installed: scripts/test.sh installs it (scripts/tools.sh ensure_sarif_multitool, from npm)");
        var output = Path.Combine(Path.GetDirectoryName(sarifFile)!, Path.GetFileNameWithoutExtension(sarifFile) + ".validation.sarif");
        File.Delete(output);
        var run = await ProcessRunner.RunAsync(tool!, ["validate", "--rule-kind", "Gh;Sarif", "--output", output, sarifFile],
            env: new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, timeout: TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0 && File.Exists(output), $"the SARIF Multitool failed (exit {run.ExitCode}): {run.StdOut}{run.StdErr}");

        using var log = JsonDocument.Parse(await File.ReadAllBytesAsync(output));
        var validation = log.RootElement.GetProperty("runs")[0];
        var levels = validation.GetProperty("tool").GetProperty("driver").TryGetProperty("rules", out var rules)
            ? rules.EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!,
                r => r.TryGetProperty("defaultConfiguration", out var c) && c.TryGetProperty("level", out var l) ? l.GetString()! : "warning")
            : [];
        return validation.TryGetProperty("results", out var results)
            ? results.EnumerateArray().Select(r =>
            {
                var id = r.GetProperty("ruleId").GetString()!;
                var level = r.TryGetProperty("level", out var l) ? l.GetString()! : levels.GetValueOrDefault(id, "warning");
                var message = r.GetProperty("message");
                var args = message.TryGetProperty("arguments", out var a) ? a.EnumerateArray().Select(x => x.GetString()).ToList() : [];
                return new Problem(id, level, message.TryGetProperty("id", out var m) ? m.GetString()! : "", args.FirstOrDefault() ?? "");
            }).ToList()
            : [];
    }

    /// <summary>Asserts the validator reports no error for <paramref name="sarifFile"/>, after proving it reports them at all.</summary>
    public static async Task AssertNoErrorsAsync(string sarifFile)
    {
        // The validator must be able to fail: the same log without its results' locations breaks GitHub's rules.
        var broken = Path.Combine(Path.GetDirectoryName(sarifFile)!, "broken-" + Path.GetFileName(sarifFile));
        var node = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllBytesAsync(sarifFile))!;
        var results = node["runs"]![0]!["results"]!.AsArray();
        Assert.NotEmpty(results);
        foreach (var r in results)
        {
            r!.AsObject().Remove("locations");
        }

        await File.WriteAllTextAsync(broken, node.ToJsonString());
        Assert.Contains(await ValidateAsync(broken), p => p.Level == "error");

        var problems = await ValidateAsync(sarifFile);
        Assert.True(problems.All(p => p.Level != "error"),
            "the SARIF Multitool reports errors: " + string.Join("; ", problems.Where(p => p.Level == "error").Select(p => $"{p.RuleId} {p.MessageId} at {p.Where}")));
    }
}
