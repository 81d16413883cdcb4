using System.CommandLine;

namespace DockerIR.Cli;

/// <summary>Arguments and options several verbs share, so they read the same everywhere.</summary>
internal static class CliSymbols
{
    public static Argument<string> Container() => new("CONTAINER") { Description = "Container name, id or unambiguous id prefix" };

    public static Option<bool> Json(string description = "Print the result as JSON") => new("--json") { Description = description };

    public static Option<string?> CaseDir(string description) => new("--case-dir") { Description = description };
}
