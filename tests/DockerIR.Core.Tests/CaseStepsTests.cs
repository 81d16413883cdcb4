using DockerIR.Core.Case;
using DockerIR.Core.Response;

namespace DockerIR.Core.Tests;

/// <summary>The typed steps a run is made of: every step name has one, its options read once by the command line's parsers.</summary>
public sealed class CaseStepsTests
{
    [Fact]
    public void EveryKnownStep_MakesATypedStepOfThatName()
    {
        foreach (var name in StepSpec.Known.Keys)
        {
            var spec = name == StepSpec.Probe ? StepSpec.Of(name, ("url", "tcp:80")) : StepSpec.Of(name);

            Assert.Equal(name, CaseSteps.Of(spec).Name);
        }
    }

    [Fact]
    public void Options_AreTyped_OnceAndAsTheCommandLineReadsThem()
    {
        var extract = Assert.IsType<ExtractStep>(CaseSteps.Of(StepSpec.Of(StepSpec.Extract, ("max_file_size", "512M"), ("source", "layer"))));
        var redeploy = Assert.IsType<RedeployStep>(CaseSteps.Of(StepSpec.Of(StepSpec.Redeploy, ("profile", "strict"), ("tmpfs", "/run,/tmp"), ("probe_timeout", "12"))));
        var wait = Assert.IsType<WaitStep>(CaseSteps.Of(StepSpec.Of(StepSpec.Wait, ("seconds", "7"))));

        Assert.Equal(512L << 20, extract.Request.Limits.MaxFileSize);
        Assert.Equal(Extraction.SourceChoice.Layer, extract.Request.Source);
        Assert.Equal((HardeningProfile.Strict, 12.0), (redeploy.Options.Profile, redeploy.Options.ProbeTimeout.TotalSeconds));
        Assert.Equal(["/run", "/tmp"], redeploy.Options.ExtraTmpfs);
        Assert.Equal(TimeSpan.FromSeconds(7), wait.Time);
    }

    [Theory]
    [InlineData("extract", "max_file_size", "lots")]
    [InlineData("redeploy", "profile", "paranoid")]
    [InlineData("wait", "seconds", "-1")]
    public void ABadOption_IsAUsageErrorNamingTheStepAndTheOption(string step, string key, string value)
    {
        var e = Assert.Throws<DockerIRException>(() => CaseSteps.Of(StepSpec.Of(step, (key, value))));

        Assert.Equal(FailureKind.Usage, e.Kind);
        Assert.Contains($"step {step}: {key} '{value}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownStep_IsAUsageError()
    {
        var e = Assert.Throws<DockerIRException>(() => StepSpec.Of("reboot").Check());

        Assert.Equal(FailureKind.Usage, e.Kind);
        Assert.Contains("reboot", e.Message, StringComparison.Ordinal);
    }
}
