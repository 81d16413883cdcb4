using DockerIR.Core.Playbooks;

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
        Assert.Equal(Redeploy.HardeningProfile.Strict, step.RedeployOptions().Profile);
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
