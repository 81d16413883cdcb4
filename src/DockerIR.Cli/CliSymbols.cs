using System.CommandLine;

namespace DockerIR.Cli;

/// <summary>Arguments and options several verbs share, so they read the same everywhere.</summary>
internal static class CliSymbols
{
    public static Argument<string> Container() => new("CONTAINER") { Description = "Container name, id or unambiguous id prefix" };

    public static Option<bool> Json(string description = "Print the result as JSON") => new("--json") { Description = description };

    /// <summary>Parses an enum option with the parser playbooks use for the same option (<see cref="Core.OptionValues.Choice{T}"/>).</summary>
    public static T Choice<T>(System.CommandLine.Parsing.ArgumentResult result, string name, T[] values)
        where T : struct, Enum
    {
        if (Core.OptionValues.Choice(Single(result), values) is { } value)
        {
            return value;
        }

        result.AddError($"{name} must be {Core.OptionValues.ChoiceExpected(values)}");
        return default;
    }

    /// <summary>A whole-number option read with the parser playbooks use (<see cref="Core.OptionValues.Number"/>).</summary>
    public static Option<int> Number(string name, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            if (Core.OptionValues.Number(Single(r), min, max) is { } n)
            {
                return (int)n;
            }

            r.AddError($"{name} must be {Core.OptionValues.NumberExpected(min, max)}");
            return defaultValue;
        },
    };

    /// <summary>A byte-size option read with the parser playbooks use: plain bytes or a K/M/G/T suffix (powers of 1024).</summary>
    public static Option<long> Size(string name, string description, long defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            if (Core.OptionValues.Size(Single(r)) is { } bytes)
            {
                return bytes;
            }

            r.AddError($"{name} must be {Core.OptionValues.SizeExpected}");
            return defaultValue;
        },
    };

    private static string? Single(System.CommandLine.Parsing.ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : null;

    public static Option<string?> CaseDir(string description) => new("--case-dir") { Description = description };
}
