using System.Text;
using System.Text.RegularExpressions;
using DockerIR.Core.Response;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DockerIR.Core.Playbooks;

/// <summary>A playbook as validated and resolved: its targets, how many at once, and its steps with variables substituted.</summary>
public sealed record ResolvedPlaybook(
    string Name,
    string File,
    IReadOnlyList<string> Containers,
    string? Selector,
    int Parallel,
    IReadOnlyList<StepSpec> Steps,
    IReadOnlyDictionary<string, string> Vars)
{
    /// <summary>The variables with no value in the playbook, each with the comment beside it: what a run must give with --var.</summary>
    public IReadOnlyList<PlaybookVariable> Required { get; init; } = [];

    /// <summary>Of those, the ones this load was given no value for (only a lint, <see cref="PlaybookLoader.Lint"/>, leaves any).</summary>
    public IReadOnlyList<string> Unset { get; init; } = [];

    /// <summary>A hunt report (<c>dockerir hunt -o FILE</c>) whose targets the run takes: <c>targets: {from: FILE}</c> or <c>--targets-from</c>.</summary>
    public string? TargetsFrom { get; init; }
}

/// <summary>A variable a playbook declares without a value, and the comment it has in the file.</summary>
public sealed record PlaybookVariable(string Name, string? Comment);

/// <summary>
/// Reads a recovery playbook (YAML) with our own schema checks, so every error names FILE:LINE:COL and what is
/// wrong: unknown keys and steps (with a suggestion), wrong types, values out of range, undeclared, missing or
/// cyclic variables. Variables are written ${name}; a variable with no value must be given with --var.
/// </summary>
public static partial class PlaybookLoader
{
    private static readonly string[] TopKeys = ["name", "description", "vars", "targets", "parallel", "steps"];
    private static readonly string[] StepKeys = ["step", "with", "on_failure"];

    /// <summary>Loads a playbook to run: every variable must have a value, and every value is checked.</summary>
    /// <param name="targetsFrom">A hunt report whose targets replace the playbook's own (which are then not read at all).</param>
    public static ResolvedPlaybook Load(string file, IReadOnlyDictionary<string, string> overrides, string? targetsFrom = null) => Load(file, overrides, lint: false, targetsFrom);

    /// <summary>
    /// Checks a playbook as a CI lint step would, without the values a run gives: everything that does not depend on a
    /// value is checked (and the values given are), a variable with no value is no error, and an option or target
    /// that uses one is checked only for what it can be without it. <see cref="ResolvedPlaybook.Unset"/> lists them.
    /// </summary>
    public static ResolvedPlaybook Lint(string file, IReadOnlyDictionary<string, string> overrides) => Load(file, overrides, lint: true, null);

    /// <summary>The largest playbook file read: a recovery playbook is a page of YAML, never megabytes.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>The deepest nesting of YAML mappings and sequences (a playbook needs four), and of variables referring to variables.</summary>
    public const int MaxDepth = 64;

    /// <summary>The longest value a variable may expand to: a name, a URL or a list of paths, not a bomb of nested references.</summary>
    public const int MaxValueLength = 64 << 10;

    /// <summary>Stands in for a variable without a value in a lint: never in a real value (a NUL), so what holds it is known to depend on one.</summary>
    private const char Unresolved = '\0';

    private static ResolvedPlaybook Load(string file, IReadOnlyDictionary<string, string> overrides, bool lint, string? targetsFromOverride)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var errors = new List<string>();
        var root = Formats.BoundedYaml.LoadMapping(file, "playbook", MaxFileBytes, MaxDepth, "name, vars, targets, steps");

        string At(YamlNode node) => $"{file}:{node.Start.Line}:{node.Start.Column}";

        foreach (var key in root.Children.Keys)
        {
            if (!TopKeys.Contains(Scalar(key)))
            {
                errors.Add($"{At(key)}: unknown key '{Scalar(key)}'{Suggest(Scalar(key), TopKeys)}");
            }
        }

        var name = Get(root, "name") is { } n ? ScalarOf(n, "name", At, errors) : Path.GetFileNameWithoutExtension(file);

        var declared = new Dictionary<string, (string? Value, YamlNode Node)>(StringComparer.Ordinal);
        if (Get(root, "vars") is { } varsNode)
        {
            if (varsNode is YamlMappingNode vars)
            {
                foreach (var (k, v) in vars.Children)
                {
                    var value = v is YamlScalarNode { Value: var s } && !(v is YamlScalarNode { Style: ScalarStyle.Plain } && s is "" or "~" or "null") ? s : null;
                    if (v is not YamlScalarNode)
                    {
                        errors.Add($"{At(v)}: variable '{Scalar(k)}' must be a string, a number or empty");
                    }

                    declared[Scalar(k)] = (value, k);
                }
            }
            else
            {
                errors.Add($"{At(varsNode)}: vars must be a mapping of name: value");
            }
        }

        foreach (var key in overrides.Keys.Where(k => !declared.ContainsKey(k)))
        {
            errors.Add($"--var {key}: the playbook declares no variable '{key}'{Suggest(key, declared.Keys)}");
        }

        var unset = new List<string>();
        var values = ResolveVars(declared, overrides, At, errors, lint ? unset : null);
        string Subst(YamlNode node, string text) => Substitute(text, values, declared, node, At, errors);
        var required = declared.Where(d => d.Value.Value is null)
            .Select(d => new PlaybookVariable(d.Key, CommentOn(file, d.Value.Node))).ToList();

        var containers = new List<string>();
        string? selector = null;
        string? targetsFrom = targetsFromOverride;
        if (targetsFromOverride is not null)
        {
            // --targets-from: the hunt's list replaces the playbook's targets, which are not read.
        }
        else if (Get(root, "targets") is not YamlMappingNode targets)
        {
            errors.Add($"{file}:{root.Start.Line}:{root.Start.Column}: 'targets' is missing: give 'containers: [...]', 'selector: key=value' or 'from: HUNT.json'");
        }
        else
        {
            foreach (var key in targets.Children.Keys.Where(k => Scalar(k) is not ("containers" or "selector" or "from")))
            {
                errors.Add($"{At(key)}: unknown key '{Scalar(key)}' in targets{Suggest(Scalar(key), ["containers", "selector", "from"])}");
            }

            if (Get(targets, "from") is { } fromNode)
            {
                targetsFrom = Subst(fromNode, ScalarOf(fromNode, "from (a hunt report)", At, errors));
                if (targetsFrom.Length == 0)
                {
                    errors.Add($"{At(fromNode)}: from names a hunt report ('dockerir hunt -o FILE')");
                }
            }

            if (Get(targets, "containers") is { } list)
            {
                if (list is YamlSequenceNode seq && seq.Children.Count > 0)
                {
                    containers.AddRange(seq.Children.Select(c => Subst(c, ScalarOf(c, "a container", At, errors))).Where(c => c.Length > 0));
                }
                else
                {
                    errors.Add($"{At(list)}: containers must be a non-empty list of names");
                }
            }

            if (Get(targets, "selector") is { } sel)
            {
                selector = Subst(sel, ScalarOf(sel, "selector", At, errors));
                if (!selector.Contains(Unresolved, StringComparison.Ordinal) && !LabelSelector().IsMatch(selector))
                {
                    errors.Add($"{At(sel)}: selector '{selector}' must be a label key or key=value");
                }
            }

            if ((containers.Count > 0 ? 1 : 0) + (selector is null ? 0 : 1) + (targetsFrom is null ? 0 : 1) != 1)
            {
                errors.Add($"{At(targets)}: targets needs exactly one of 'containers', 'selector' or 'from'");
            }
        }

        var parallel = 1;
        if (Get(root, "parallel") is { } par && (!int.TryParse(ScalarOf(par, "parallel", At, errors), out parallel) || parallel is < 1 or > 32))
        {
            errors.Add($"{At(par)}: parallel must be a whole number from 1 to 32");
            parallel = 1;
        }

        var steps = new List<StepSpec>();
        if (Get(root, "steps") is not YamlSequenceNode stepList || stepList.Children.Count == 0)
        {
            errors.Add($"{file}:{root.Start.Line}:{root.Start.Column}: 'steps' is missing or empty");
        }
        else
        {
            foreach (var node in stepList.Children)
            {
                if (ReadStep(node, At, Subst, errors) is { } step)
                {
                    if (step.Name == StepSpec.Redeploy && !steps.Any(s => s.Name == StepSpec.Snapshot))
                    {
                        errors.Add($"{At(node)}: a redeploy step needs a snapshot step before it: nothing is killed before its evidence is committed");
                    }

                    steps.Add(step);
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new DockerIRException(FailureKind.Usage, errors[0] + (errors.Count > 1 ? $" (and {errors.Count - 1} more: {string.Join("; ", errors.Skip(1))})" : ""));
        }

        if (unset.Count > 0)
        {
            containers = [.. containers.Select(Shown)];
            selector = selector is null ? null : Shown(selector);
            targetsFrom = targetsFrom is null ? null : Shown(targetsFrom);
            steps = [.. steps.Select(st => st with { With = st.With.ToDictionary(w => w.Key, w => Shown(w.Value)) })];
        }

        return new ResolvedPlaybook(name, Path.GetFullPath(file), containers, selector, parallel, steps, values) { Required = required, Unset = unset, TargetsFrom = targetsFrom };
    }

    /// <summary>The comment on the line of a node (after '#'), as the file has it; null when there is none.</summary>
    private static string? CommentOn(string file, YamlNode node)
    {
        try
        {
            var line = File.ReadLines(file).Skip((int)node.Start.Line - 1).FirstOrDefault() ?? "";
            var hash = line.IndexOf(" #", StringComparison.Ordinal);
            return hash < 0 ? null : line[(hash + 2)..].Trim() is { Length: > 0 } comment ? comment : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static StepSpec? ReadStep(YamlNode node, Func<YamlNode, string> at, Func<YamlNode, string, string> subst, List<string> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add($"{at(node)}: a step is a mapping with 'step:' and optionally 'with:' and 'on_failure:'");
            return null;
        }

        foreach (var key in map.Children.Keys.Where(k => !StepKeys.Contains(Scalar(k))))
        {
            errors.Add($"{at(key)}: unknown key '{Scalar(key)}' in a step{Suggest(Scalar(key), StepKeys)}");
        }

        if (Get(map, "step") is not { } nameNode)
        {
            errors.Add($"{at(map)}: the step has no 'step:' name");
            return null;
        }

        var name = ScalarOf(nameNode, "step", at, errors);
        if (!StepSpec.Known.TryGetValue(name, out var allowed))
        {
            errors.Add($"{at(nameNode)}: unknown step '{name}'{Suggest(name, StepSpec.Known.Keys)}; steps are {string.Join(", ", StepSpec.Known.Keys)}");
            return null;
        }

        var with = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(map, "with") is { } withNode)
        {
            if (withNode is not YamlMappingNode withMap)
            {
                errors.Add($"{at(withNode)}: 'with' must be a mapping of option: value");
            }
            else
            {
                foreach (var (k, v) in withMap.Children)
                {
                    var key = Scalar(k);
                    if (!allowed.Contains(key))
                    {
                        errors.Add($"{at(k)}: step {name} takes no option '{key}'{Suggest(key, allowed)}{(allowed.Count == 0 ? "; it takes none" : $"; it takes {string.Join(", ", allowed)}")}");
                        continue;
                    }

                    with[key] = v is YamlSequenceNode list
                        ? string.Join(',', list.Children.Select(c => subst(c, ScalarOf(c, key, at, errors))))
                        : subst(v, ScalarOf(v, key, at, errors));
                }
            }
        }

        var onFailure = Get(map, "on_failure") is { } of ? ScalarOf(of, "on_failure", at, errors) : "stop";
        if (onFailure is not ("stop" or "continue"))
        {
            errors.Add($"{at(Get(map, "on_failure")!)}: on_failure must be stop or continue, not '{onFailure}'");
        }

        var step = new StepSpec(name, onFailure == "continue", with);
        try
        {
            // In a lint, an option that uses a variable with no value is checked once a run gives it.
            new StepSpec(name, onFailure == "continue", with.Where(w => !w.Value.Contains(Unresolved, StringComparison.Ordinal)).ToDictionary()).Check();
        }
        catch (DockerIRException e)
        {
            errors.Add($"{at(Get(map, "with") ?? nameNode)}: {e.Message}");
        }

        return step;
    }

    /// <param name="unset">In a lint, where variables with no value go instead of errors; null to require every value.</param>
    private static Dictionary<string, string> ResolveVars(Dictionary<string, (string? Value, YamlNode Node)> declared, IReadOnlyDictionary<string, string> overrides,
        Func<YamlNode, string> at, List<string> errors, List<string>? unset)
    {
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        string? Resolve(string name)
        {
            if (resolved.TryGetValue(name, out var done))
            {
                return done;
            }

            var (raw, node) = declared[name];
            if (overrides.TryGetValue(name, out var given))
            {
                raw = given;
            }

            if (raw is null)
            {
                if (unset is not null)
                {
                    unset.Add(name);
                }
                else
                {
                    errors.Add($"{at(node)}: variable '{name}' has no value; give it with --var {name}=VALUE");
                }

                return null;
            }

            if (!visiting.Add(name))
            {
                errors.Add($"{at(node)}: variable '{name}' refers to itself through {string.Join(" → ", visiting)}");
                return null;
            }

            if (visiting.Count > MaxDepth)
            {
                errors.Add($"{at(node)}: variable '{name}' is reached through more than {MaxDepth} variables referring to each other");
                visiting.Remove(name);
                return null;
            }

            var failed = false;
            long length = raw.Length;
            var value = VarReference().Replace(raw, m =>
            {
                var inner = m.Groups[1].Value;
                if (failed)
                {
                    return "";
                }

                if (!declared.ContainsKey(inner))
                {
                    errors.Add($"{at(node)}: variable '{name}' uses undeclared variable '{inner}'");
                    failed = true;
                    return "";
                }

                var v = Resolve(inner);
                failed |= v is null;
                length += (v?.Length ?? 0) - m.Length;
                if (!failed && length > MaxValueLength)
                {
                    errors.Add($"{at(node)}: variable '{name}' expands to more than {MaxValueLength} characters");
                    failed = true;
                    return "";
                }

                return v ?? "";
            });
            visiting.Remove(name);
            if (failed)
            {
                return null;
            }

            resolved[name] = value;
            return value;
        }

        foreach (var name in declared.Keys)
        {
            Resolve(name);
        }

        return resolved;
    }

    private static string Substitute(string text, Dictionary<string, string> values, Dictionary<string, (string? Value, YamlNode Node)> declared, YamlNode node,
        Func<YamlNode, string> at, List<string> errors) =>
        VarReference().Replace(text, m =>
        {
            var name = m.Groups[1].Value;
            if (values.TryGetValue(name, out var v))
            {
                return v;
            }

            if (!declared.ContainsKey(name))
            {
                errors.Add($"{at(node)}: undeclared variable '{name}'{Suggest(name, declared.Keys)}; declare it under vars");
                return "";
            }

            // Declared but without a value: a run has refused it already (one error, not its consequences, such as an
            // empty target list), a lint goes on; either way it stands as unresolved, never as an empty value.
            return $"{Unresolved}{name}{Unresolved}";
        });

    /// <summary>A text as the playbook wrote it where a variable had no value (a lint's result is shown, never run).</summary>
    private static string Shown(string text) => UnresolvedReference().Replace(text, m => "${" + m.Groups[1].Value + "}");

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    private static string Scalar(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : "";

    private static string ScalarOf(YamlNode node, string what, Func<YamlNode, string> at, List<string> errors)
    {
        if (node is YamlScalarNode s)
        {
            return s.Value ?? "";
        }

        errors.Add($"{at(node)}: {what} must be a single value, not a {(node is YamlSequenceNode ? "list" : "mapping")}");
        return "";
    }

    /// <summary>"; did you mean X?" for the nearest known word within two edits.</summary>
    private static string Suggest(string word, IEnumerable<string> known)
    {
        var best = known.Select(k => (k, d: Distance(word, k))).Where(x => x.d <= 2).OrderBy(x => x.d).FirstOrDefault();
        return best.k is null ? "" : $"; did you mean '{best.k}'?";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex VarReference();

    [GeneratedRegex("\0([A-Za-z_][A-Za-z0-9_]*)\0")]
    private static partial Regex UnresolvedReference();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]*(=[^\s,]*)?$")]
    private static partial Regex LabelSelector();
}
