using DockerIR.Core.Case;
using DockerIR.Core.Playbooks;
using DockerIR.Core.Response;

namespace DockerIR.Core.Tests;

public sealed class PlaybookLoaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dockerir-playbook-tests-").FullName;

    private string Write(string yaml)
    {
        var file = Path.Combine(dir, "p.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    private static Dictionary<string, string> Vars(params (string K, string V)[] vars) => vars.ToDictionary(v => v.K, v => v.V);

    private DockerIRException Fails(string yaml, params (string, string)[] vars)
    {
        var e = Assert.Throws<DockerIRException>(() => PlaybookLoader.Load(Write(yaml), Vars(vars)));
        Assert.Equal(FailureKind.Usage, e.Kind);
        return e;
    }

    private static string Shipped(string name)
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !Directory.Exists(Path.Combine(d.FullName, "playbooks")))
        {
            d = d.Parent;
        }

        return Path.Combine(d?.FullName ?? throw new InvalidOperationException("no playbooks/ above the tests"), "playbooks", name);
    }

    /// <summary>The bytes this thread allocated while <paramref name="action"/> ran: a bomb's cost, measured.</summary>
    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void VariableBomb_NestedReferences_IsOneErrorWithinBoundedMemory()
    {
        // Ten levels of ten references each: 10^10 characters if expanded, in about 600 bytes of YAML.
        var yaml = new System.Text.StringBuilder("name: bomb\nvars:\n  v0: \"lol\"\n");
        for (var i = 1; i <= 10; i++)
        {
            yaml.Append("  v").Append(i).Append(": \"").Append(string.Concat(Enumerable.Repeat($"${{v{i - 1}}}", 10))).Append("\"\n");
        }

        yaml.Append("targets:\n  containers: [\"${v10}\"]\nsteps:\n  - step: snapshot\n");
        DockerIRException? e = null;

        var bytes = Allocated(() => e = Fails(yaml.ToString()));

        Assert.Contains($"expands to more than {PlaybookLoader.MaxValueLength} characters", e!.Message, StringComparison.Ordinal);
        Assert.True(bytes < 64L << 20, $"allocated {bytes} bytes");
    }

    [Fact]
    public void VariableChain_DeeperThanTheLimit_IsAnErrorNotAStackOverflow()
    {
        var yaml = new System.Text.StringBuilder("name: chain\nvars:\n  v0: \"x\"\n");
        for (var i = 1; i <= 200_000; i++)
        {
            yaml.Append("  v").Append(i).Append(": \"${v").Append(i - 1).Append("}\"\n");
        }

        yaml.Append("targets:\n  containers: [\"${v200000}\"]\nsteps:\n  - step: snapshot\n");

        var e = Assert.Throws<DockerIRException>(() => PlaybookLoader.Load(Write(yaml.ToString()), Vars()));

        Assert.Equal(FailureKind.Usage, e.Kind);
        Assert.Contains("bytes", e.Message, StringComparison.Ordinal); // over the file size limit before anything is parsed

        // Each variable refers to the next one declared, so resolving the first recurses through all of them.
        var shorter = new System.Text.StringBuilder("name: chain\nvars:\n");
        for (var i = 0; i < 1000; i++)
        {
            shorter.Append("  v").Append(i).Append(": \"${v").Append(i + 1).Append("}\"\n");
        }

        shorter.Append("  v1000: \"x\"\ntargets:\n  containers: [\"${v0}\"]\nsteps:\n  - step: snapshot\n");
        Assert.Contains($"more than {PlaybookLoader.MaxDepth} variables referring to each other", Fails(shorter.ToString()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedYaml_IsAnErrorAtItsLine_NotAStackOverflow()
    {
        var yaml = "name: deep\ntargets:\n  containers: " + new string('[', 200_000) + new string(']', 200_000) + "\nsteps: []\n";

        var e = Fails(yaml);

        Assert.StartsWith($"{Path.Combine(dir, "p.yaml")}:3:", e.Message, StringComparison.Ordinal);
        Assert.Contains($"nested more than {PlaybookLoader.MaxDepth} levels deep", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotARegularFile_IsNamedForWhatItIs()
    {
        var e = Assert.Throws<DockerIRException>(() => PlaybookLoader.Load(dir, Vars()));
        Assert.Equal(FailureKind.Usage, e.Kind);
        Assert.Contains("is not a playbook file", e.Message, StringComparison.Ordinal);

        var fifo = Path.Combine(dir, "fifo.yaml");
        Assert.Equal(0, Mkfifo(fifo, 0x180));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Contains("is not a playbook file", Assert.Throws<DockerIRException>(() => PlaybookLoader.Load(fifo, Vars())).Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), "opening a FIFO must not block");

        // A link to a real playbook is followed: the responder chose it.
        var real = Write("name: linked\ntargets:\n  containers: [web]\nsteps:\n  - step: snapshot\n");
        var link = Path.Combine(dir, "link.yaml");
        File.CreateSymbolicLink(link, real);
        Assert.Equal("linked", PlaybookLoader.Load(link, Vars()).Name);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(string path, int mode);

    [Theory]
    [InlineData("web-rce-recovery.yaml", new[] { "target", "url" })]
    [InlineData("quarantine.yaml", new[] { "target" })]
    [InlineData("fleet-snapshot.yaml", new string[0])]
    public void Lint_EveryShippedPlaybook_PassesWithoutValues_AndListsWhatARunMustGive(string file, string[] unset)
    {
        var playbook = PlaybookLoader.Lint(Shipped(file), Vars());

        Assert.Equal(unset, playbook.Unset);
        Assert.DoesNotContain(playbook.Containers, c => c.Contains('\0', StringComparison.Ordinal));
        Assert.All(playbook.Steps.SelectMany(st => st.With.Values), v => Assert.DoesNotContain('\0', v));
        if (file == "web-rce-recovery.yaml")
        {
            Assert.Equal(["${target}"], playbook.Containers);
            Assert.Contains("the container", playbook.Required.Single(v => v.Name == "target").Comment, StringComparison.Ordinal);
            Assert.Equal("${url}", playbook.Steps.Single(st => st.Name == StepSpec.Redeploy).With["probe"]);
        }
    }

    [Fact]
    public void Lint_StillFailsOnATypo_AndOnABadValueGiven()
    {
        var typo = Assert.Throws<DockerIRException>(() => PlaybookLoader.Lint(Write("vars:\n  target:\ntargets:\n  containers: [\"${target}\"]\nsteps:\n  - step: snapshto\n"), Vars()));
        Assert.Matches(@"p\.yaml:6:11: unknown step 'snapshto'; did you mean 'snapshot'", typo.Message);

        var bad = Assert.Throws<DockerIRException>(() => PlaybookLoader.Lint(Shipped("web-rce-recovery.yaml"), Vars(("url", "notaurl"))));
        Assert.Contains("'notaurl' is neither an http(s) URL", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ForARun_NamesEachMissingValueOnce_AndNotItsConsequences()
    {
        var e = Assert.Throws<DockerIRException>(() => PlaybookLoader.Load(Shipped("web-rce-recovery.yaml"), Vars()));

        Assert.Contains("variable 'target' has no value", e.Message, StringComparison.Ordinal);
        Assert.Contains("(and 1 more: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("targets needs exactly one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_VariablesReferringToVariables_AreSubstitutedEverywhere()
    {
        var p = PlaybookLoader.Load(Write("""
            vars:
              target:
              port: "8080"
              url: http://127.0.0.1:${port}/
            targets:
              containers: ["${target}"]
            steps:
              - step: snapshot
              - step: redeploy
                with: { probe: "${url}", profile: strict }
                on_failure: continue
            """), Vars(("target", "web")));

        Assert.Equal(["web"], p.Containers);
        var step = p.Steps[1];
        Assert.Equal("http://127.0.0.1:8080/", step.With["probe"]);
        Assert.True(step.ContinueOnFailure);
        Assert.Equal(Case.HardeningProfile.Strict, step.RedeployOptions().Profile);
    }

    [Fact]
    public void Load_RequiredVariableNotGiven_SaysHowToGiveIt() =>
        Assert.Contains("give it with --var target=VALUE", Fails("vars:\n  target:\ntargets:\n  containers: [\"${target}\"]\nsteps:\n  - step: snapshot\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Load_CyclicVariables_AreReported() =>
        Assert.Contains("refers to itself", Fails("vars:\n  a: ${b}\n  b: ${a}\ntargets:\n  containers: [x]\nsteps:\n  - step: snapshot\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Load_UnknownKeyWithLineAndColumn_SuggestsTheRightOne() =>
        Assert.Contains(":4:1: unknown key 'stpes'; did you mean 'steps'?", Fails("targets:\n  containers: [x]\nparallel: 2\nstpes:\n  - step: snapshot\n").Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("parallel: 0\n", "parallel must be a whole number from 1 to 32")]
    [InlineData("parallel: [1]\n", "parallel must be a single value")]
    [InlineData("", "on_failure must be stop or continue")]
    public void Load_WrongTypesAndRanges_AreReported(string extra, string expected)
    {
        var onFailure = extra.Length == 0 ? "    on_failure: maybe\n" : "";
        Assert.Contains(expected, Fails($"targets:\n  containers: [x]\n{extra}steps:\n  - step: wait\n{onFailure}").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OptionOutOfRange_NamesTheStepAndOption() =>
        Assert.Contains("step wait: seconds '-1'", Fails("targets:\n  containers: [x]\nsteps:\n  - step: wait\n    with: { seconds: -1 }\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Load_UnknownStepOption_ListsTheOnesItTakes() =>
        Assert.Contains("step redeploy takes no option 'probes'; did you mean 'probe'?", Fails("targets:\n  containers: [x]\nsteps:\n  - step: redeploy\n    with: { probes: x }\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Load_RedeployWithNoSnapshotBeforeIt_IsRefusedAtItsLine() =>
        Assert.Contains(":5:5: a redeploy step needs a snapshot step before it",
            Fails("targets:\n  containers: [x]\nsteps:\n  - step: extract\n  - step: redeploy\n  - step: snapshot\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Load_RedeployRightAfterTheSnapshot_IsTheServiceFirstOrder()
    {
        var playbook = PlaybookLoader.Load(Write("targets:\n  containers: [x]\nsteps:\n  - step: snapshot\n  - step: redeploy\n  - step: extract\n  - step: bundle\n  - step: verify\n"), Vars());

        Assert.Equal(["snapshot", "redeploy", "extract", "bundle", "verify"], playbook.Steps.Select(s => s.Name));
    }

    [Fact]
    public void Load_BothContainersAndSelector_IsRefused() =>
        Assert.Contains("exactly one of", Fails("targets:\n  containers: [x]\n  selector: app=web\nsteps:\n  - step: snapshot\n").Message, StringComparison.Ordinal);

    [Fact]
    public void Load_UndeclaredVarOnTheCommandLine_IsRefused() =>
        Assert.Contains("--var nope: the playbook declares no variable", Fails("targets:\n  containers: [x]\nsteps:\n  - step: snapshot\n", ("nope", "1")).Message, StringComparison.Ordinal);

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
