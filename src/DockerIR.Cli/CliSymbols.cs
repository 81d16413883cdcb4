using System.CommandLine;

namespace DockerIR.Cli;

/// <summary>Arguments and options several verbs share, so they read the same everywhere.</summary>
internal static class CliSymbols
{
    public static Argument<string> Container() => new("CONTAINER") { Description = "Container name, id or unambiguous id prefix" };

    public static Option<bool> Json(string description = "Print the result as JSON") => new("--json") { Description = description };

    /// <summary>Parses an enum option with the parser playbooks use for the same option (<see cref="Core.OptionValues.Choice{T}"/>).</summary>
    public static T Choice<T>(System.CommandLine.Parsing.ArgumentResult result, string name, T[] values)
        where T : struct, Enum =>
        Parse(result, name, t => Core.OptionValues.Choice(t, values), Core.OptionValues.ChoiceExpected(values), default(T));

    /// <summary>A whole-number option read with the parser playbooks use (<see cref="Core.OptionValues.Number"/>).</summary>
    public static Option<int> Number(string name, string description, int defaultValue, int min, int max) =>
        Shared(name, description, defaultValue, t => Core.OptionValues.Number(t, min, max) is { } n ? (int)n : null, Core.OptionValues.NumberExpected(min, max));

    /// <summary>--unverified, as the views (findings, timeline, report) take it.</summary>
    public static Option<bool> Unverified() => new("--unverified")
    {
        Description = "Show the records even when they do not match the case's hashes (SHA256SUMS, the bundle's .sha256); marked as unverified",
    };

    /// <summary>The case or bundle a view reads: verified against its hashes unless --unverified, which says so on stderr.</summary>
    public static Core.Case.CaseContent ViewContent(ParseResult parse, Argument<string> target, Option<bool> unverified, CliContext ctx)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(ctx);
        if (!parse.GetValue(unverified))
        {
            return Core.Case.CaseContent.OpenVerified(parse.GetRequiredValue(target));
        }

        ctx.Err.WriteLine("dockerir: warning: UNVERIFIED: shown without checking the case's hashes (--unverified); 'dockerir verify' says whether it is the evidence");
        return Core.Case.CaseContent.Open(parse.GetRequiredValue(target));
    }

    /// <summary>--sign KEY, as bundle and respond take it.</summary>
    public static Option<string?> Sign() => new("--sign")
    {
        Description = $"Sign the bundle with this OpenSSH private key file (ECDSA or RSA, no passphrase): writes BUNDLE.sig, checked by 'ssh-keygen -Y verify -n {Core.Evidence.SshSignature.BundleNamespace}' or 'dockerir verify --signer'; default ${Core.Evidence.BundleWorkflow.SigningKeyVariable}",
        HelpName = "KEY",
    };

    /// <summary>The signing key: --sign, else the environment's default (empty: none).</summary>
    public static string? SigningKey(ParseResult parse, Option<string?> sign)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(sign) is { Length: > 0 } key ? key
            : Environment.GetEnvironmentVariable(Core.Evidence.BundleWorkflow.SigningKeyVariable) is { Length: > 0 } fallback ? fallback : null;
    }

    /// <summary>--memory and --memory-max, as snapshot and respond take them.</summary>
    public static (Option<string?> Memory, Option<long> MemoryMax) Memory() =>
    (
        new Option<string?>("--memory")
        {
            Description = "Also dump the memory of these processes from the host's /proc: 'all', or host pids separated by commas (as 'docker top' shows them)",
            HelpName = "PID,...|all",
        },
        Size("--memory-max", "Most memory bytes dumped in all (bytes, or with K/M/G suffix); past it the dump is cut and the gap recorded",
            Core.Snapshot.MemorySelection.DefaultCap)
    );

    /// <summary>A byte-size option read with the parser playbooks use: plain bytes or a K/M/G/T suffix (powers of 1024).</summary>
    public static Option<long> Size(string name, string description, long defaultValue) =>
        Shared(name, description, defaultValue, Core.OptionValues.Size, Core.OptionValues.SizeExpected);

    /// <summary>An option whose text goes through one of <see cref="Core.OptionValues"/>' parsers, refused as playbooks refuse it.</summary>
    private static Option<T> Shared<T>(string name, string description, T defaultValue, Func<string?, T?> parse, string expected)
        where T : struct => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => Parse(r, name, parse, expected, defaultValue),
    };

    private static T Parse<T>(System.CommandLine.Parsing.ArgumentResult result, string name, Func<string?, T?> parse, string expected, T fallback)
        where T : struct
    {
        if (parse(Single(result)) is { } value)
        {
            return value;
        }

        result.AddError($"{name} must be {expected}");
        return fallback;
    }

    private static string? Single(System.CommandLine.Parsing.ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : null;

    public static Option<string?> CaseDir(string description) => new("--case-dir") { Description = description };
}
