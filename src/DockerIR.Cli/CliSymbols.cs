using System.CommandLine;
using DockerIR.Core.Case;

namespace DockerIR.Cli;

/// <summary>Arguments and options several verbs share, so they read the same everywhere.</summary>
internal static class CliSymbols
{
    public static Argument<string> Container() => new("CONTAINER") { Description = "Container name, id or unambiguous id prefix" };

    public static Option<bool> Json(string description = "Print the result as JSON") => new("--json") { Description = description };

    /// <summary>
    /// An enum option read with the parser playbooks use (<see cref="Core.OptionValues.Choice{T}"/>), shown as its
    /// lower-case values (<c>auto|layer|archive</c>, <c>[default: auto]</c>). Its default is the enum's zero value, so
    /// the help never shows the C# spelling of the default.
    /// </summary>
    public static Option<T> Enum<T>(string name, string description, T[] values)
        where T : struct, Enum => new(name)
    {
        Description = $"{description} [default: {default(T).ToString().ToLowerInvariant()}]",
        HelpName = string.Join('|', values.Select(v => v.ToString().ToLowerInvariant())),
        CustomParser = r => Parse(r, name, t => Core.OptionValues.Choice(t, values), Core.OptionValues.ChoiceExpected(values), default(T)),
    };

    /// <summary>A whole-number option read with the parser playbooks use (<see cref="Core.OptionValues.Number"/>).</summary>
    public static Option<int> Number(string name, string description, int defaultValue, int min, int max, string helpName = "N")
    {
        var option = Shared(name, description, defaultValue, t => Core.OptionValues.Number(t, min, max) is { } n ? (int)n : null, Core.OptionValues.NumberExpected(min, max));
        option.HelpName = helpName;
        return option;
    }

    /// <summary>--fail-on SEVERITY, as audit, findings and hunt take it: <paramref name="what"/> names what is counted ("a finding").</summary>
    public static Option<string?> FailOn(string what, string note = "")
    {
        var option = new Option<string?>("--fail-on") { Description = $"Exit 10 when {what} is at or above this severity: low, medium or high{note}" };
        option.AcceptOnlyFromAmong("low", "medium", "high");
        return option;
    }

    /// <summary>The severity --fail-on names, or null when it is not given.</summary>
    public static Core.Case.Severity? Threshold(ParseResult parse, Option<string?> failOn)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(failOn) is { } text ? System.Enum.Parse<Core.Case.Severity>(text, ignoreCase: true) : null;
    }

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
        Description = $"Sign the bundle with this OpenSSH private key file (ECDSA or RSA, no passphrase), or a public key file whose key ssh-agent holds: writes BUNDLE.sig, checked by 'ssh-keygen -Y verify -n {Core.Evidence.SshSignature.BundleNamespace}' or 'dockerir verify --signer'; default ${Core.Evidence.BundleWorkflow.SigningKeyVariable}",
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
    public static (Option<string?> Memory, Option<ByteSize> MemoryMax) Memory() =>
    (
        new Option<string?>("--memory")
        {
            Description = "Also dump the memory of these processes from the host's /proc: 'all', or host pids separated by commas (as 'docker top' shows them)",
            HelpName = "PID,...|all",
        },
        Size("--memory-max", "Most memory bytes dumped in all (bytes, or with K/M/G suffix); past it the dump is cut and the gap recorded",
            Core.Snapshot.MemorySelection.DefaultCap)
    );

    /// <summary>A byte-size option read with the parser playbooks use: plain bytes or a K/M/G/T suffix (powers of 1024), its default shown the same way.</summary>
    public static Option<ByteSize> Size(string name, string description, long defaultValue)
    {
        var option = Shared(name, description, new ByteSize(defaultValue), t => Core.OptionValues.Size(t) is { } n ? new ByteSize(n) : null, Core.OptionValues.SizeExpected);
        option.HelpName = "SIZE";
        return option;
    }

    /// <summary>
    /// --out-dir DIR, the directory a verb writes its cases into, with the spelling earlier releases had (--out)
    /// still read but hidden from the help for one release.
    /// </summary>
    public static OutDirOption OutDir(string description) => new(
        new Option<string?>("--out-dir") { Description = description, HelpName = "DIR" },
        new Option<string?>("--out") { Description = "Old spelling of --out-dir", Hidden = true });

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

    public static Option<string?> CaseDir(string description) => new("--case-dir") { Description = description, HelpName = "DIR" };
}

/// <summary>A byte size on the command line: shown as <see cref="Core.OptionValues.SizeText"/> writes it (2G), used as its bytes.</summary>
internal readonly record struct ByteSize(long Bytes)
{
    public override string ToString() => Core.OptionValues.SizeText(Bytes);

    public static implicit operator long(ByteSize size) => size.Bytes;
}

/// <summary>--out-dir and its hidden old spelling --out; at most one of them may be given.</summary>
internal sealed record OutDirOption(Option<string?> Current, Option<string?> Old)
{
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(Current);
        command.Add(Old);
        command.Validators.Add(r =>
        {
            if (r.GetResult(Current) is not null && r.GetResult(Old) is not null)
            {
                r.AddError("give --out-dir once (--out is its old spelling)");
            }
        });
    }

    public string? Get(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Current) ?? parse.GetValue(Old);
    }

    /// <summary>Whether either spelling was given (for validators that refuse it in some combination).</summary>
    public bool Given(System.CommandLine.Parsing.CommandResult result) =>
        result.GetResult(Current) is not null || result.GetResult(Old) is not null;
}
