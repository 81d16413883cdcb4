using DockerIR.Core.Case;
using DockerIR.Core.Evidence;
using DockerIR.Core.Extraction;
using DockerIR.Core.Redeploy;
using MemorySelection = DockerIR.Core.Snapshot.MemorySelection;

namespace DockerIR.Core.Response;

/// <summary>One step of a run, resolved: its name, whether a failure stops the run, and its options (variables already substituted).</summary>
public sealed record StepSpec(string Name, bool ContinueOnFailure, IReadOnlyDictionary<string, string> With)
{
    public const string Snapshot = "snapshot";
    public const string Extract = "extract";
    public const string Bundle = "bundle";
    public const string Verify = "verify";
    public const string Contain = "contain";
    public const string Redeploy = "redeploy";
    public const string Probe = "probe";
    public const string Wait = "wait";

    /// <summary>Every step a run knows, with the options each takes.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Known = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Snapshot] = ["unpause", "log_tail", "memory", "memory_max"],
        [Extract] = ["source", "max_file_size", "max_total_size", "max_entries"],
        [Bundle] = ["sign"],
        [Verify] = [],
        [Contain] = [],
        [Redeploy] = ["profile", "probe", "probe_expect", "probe_timeout", "tmpfs", "force"],
        [Probe] = ["url", "timeout"],
        [Wait] = ["seconds"],
    };

    public static StepSpec Of(string name, params (string Key, string Value)[] with) =>
        new(name, false, with.ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal));

    public string Option(string key) => With.TryGetValue(key, out var v) ? v : "";

    /// <summary>
    /// Reads every option of the step (by making its typed step), and loads a bundle's signing key, so a bad value is
    /// reported before anything runs; throws a usage error naming it.
    /// </summary>
    public void Check()
    {
        _ = CaseSteps.Of(this);
        if (Name == Bundle)
        {
            CheckSigningKey();
        }
    }

    public RedeployOptions RedeployOptions()
    {
        var timeout = TimeSpan.FromSeconds(Number("probe_timeout", 30, 1, 600));
        var tmpfs = Option("tmpfs").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(RedeployPlanner.ValidateTmpfsPath).ToList();
        return new RedeployOptions
        {
            Profile = Read("profile", HardeningProfile.Baseline, t => OptionValues.Choice(t, Profiles), OptionValues.ChoiceExpected(Profiles)),
            ExtraTmpfs = tmpfs,
            Probe = ProbeSpec.ParseWithExpect(Option("probe"), Option("probe_expect"), timeout),
            ProbeTimeout = timeout,
            Force = Flag("force"),
        };
    }

    public ExtractRequest ExtractRequest(string caseDir) => new(caseDir)
    {
        Source = Read("source", SourceChoice.Auto, t => OptionValues.Choice(t, Sources), OptionValues.ChoiceExpected(Sources)),
        Limits = new ExtractionLimits(
            Size("max_file_size", ExtractionLimits.Default.MaxFileSize),
            Size("max_total_size", ExtractionLimits.Default.MaxTotalSize),
            (int)Number("max_entries", ExtractionLimits.Default.MaxEntries, 1, int.MaxValue)),
    };

    /// <summary>The values `source` (and `--source`) take.</summary>
    public static readonly SourceChoice[] Sources = [SourceChoice.Auto, SourceChoice.Layer, SourceChoice.Archive];

    /// <summary>The values `profile` (and `--profile`) take.</summary>
    public static readonly HardeningProfile[] Profiles = [HardeningProfile.Baseline, HardeningProfile.Strict];

    public ProbeSpec ProbeOptions()
    {
        var timeout = TimeSpan.FromSeconds(Number("timeout", 30, 1, 600));
        return Option("url") is { Length: > 0 } url ? ProbeSpec.Parse(url, timeout) : throw Bad("url", "", "an http(s) URL or tcp:PORT");
    }

    public TimeSpan WaitTime() => TimeSpan.FromSeconds(Number("seconds", 5, 0, 3600));

    public int LogTail() => (int)Number("log_tail", 10_000, 1, 10_000_000);

    /// <summary>Snapshot's "memory" ('all' or host pids) and "memory_max" (the cap in all, as --memory-max takes it).</summary>
    public MemorySelection Memory()
    {
        var cap = Size("memory_max", MemorySelection.DefaultCap);
        try
        {
            return MemorySelection.Parse(Option("memory"), cap);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.Usage)
        {
            throw Bad("memory", Option("memory"), "'all' or host pids separated by commas");
        }
    }

    /// <summary>Bundle's "sign": the OpenSSH key file to sign the bundle with; else DOCKERIR_SIGNING_KEY; else none.</summary>
    public string? SigningKey() =>
        Option("sign") is { Length: > 0 } key ? key
            : Environment.GetEnvironmentVariable(BundleWorkflow.SigningKeyVariable) is { Length: > 0 } fallback ? fallback : null;

    /// <summary>Loads the signing key once, so a key that cannot sign stops the run before anything (a kill) happens.</summary>
    private void CheckSigningKey()
    {
        if (SigningKey() is { } path)
        {
            using var key = SshSignature.LoadKey(path);
        }
    }

    /// <summary>Snapshot's "unpause": thaw the container once its layer is committed.</summary>
    public bool Unpause() => Flag("unpause");

    private bool Flag(string key) => Read(key, false, OptionValues.Flag, OptionValues.FlagExpected);

    private long Number(string key, long fallback, long min, long max) => Read(key, fallback, t => OptionValues.Number(t, min, max), OptionValues.NumberExpected(min, max));

    private long Size(string key, long fallback) => Read(key, fallback, OptionValues.Size, OptionValues.SizeExpected);

    /// <summary>An option read with the parser the command line uses for it (<see cref="OptionValues"/>); absent, the fallback.</summary>
    private T Read<T>(string key, T fallback, Func<string, T?> parse, string expected)
        where T : struct =>
        Option(key) is { Length: > 0 } text
            ? parse(text) ?? throw Bad(key, text, expected)
            : fallback;

    private DockerIRException Bad(string key, string value, string expected) =>
        new(FailureKind.Usage, $"step {Name}: {key} '{value}' must be {expected}");
}
