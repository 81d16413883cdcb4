using System.Globalization;
using DockerIR.Core.Case;
using DockerIR.Core.Redeploy;

namespace DockerIR.Core.Response;

/// <summary>`respond` as a preset list of steps, for the respond verb and the demo.</summary>
public static class RespondPreset
{
    /// <summary>The steps of a respond (the demo runs the same): service first, then the evidence; without a redeploy, the evidence alone.</summary>
    public static List<StepSpec> Steps(RedeployOptions? redeploy, string? memory = null, long? memoryMax = null, string? sign = null)
    {
        // Service first: the suspect is frozen and committed, then relaunched; the evidence work that no longer needs
        // it running (extract reads its kept layer) follows, so the site is down only from the freeze to the relaunch.
        var snapshot = new List<(string, string)>();
        if (!string.IsNullOrWhiteSpace(memory))
        {
            snapshot.Add(("memory", memory));
        }

        if (memoryMax is { } max)
        {
            snapshot.Add(("memory_max", max.ToString(CultureInfo.InvariantCulture)));
        }

        var steps = new List<StepSpec> { StepSpec.Of(StepSpec.Snapshot, [.. snapshot]) };
        var bundle = string.IsNullOrEmpty(sign) ? StepSpec.Of(StepSpec.Bundle) : StepSpec.Of(StepSpec.Bundle, ("sign", sign));
        var evidence = new[] { StepSpec.Of(StepSpec.Extract), bundle, StepSpec.Of(StepSpec.Verify) };
        if (redeploy is not null)
        {
            var with = new List<(string, string)> { ("profile", redeploy.Profile.ToString().ToLowerInvariant()), ("probe_timeout", ((int)redeploy.ProbeTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)) };
            if (redeploy.Probe is { } probe)
            {
                with.Add(("probe", probe.Kind == ProbeKind.Tcp ? $"tcp:{probe.Target}" : probe.Target!));
                if (probe.Expect is { } expect)
                {
                    with.Add(("probe_expect", expect));
                }
            }

            if (redeploy.Force)
            {
                with.Add(("force", "true"));
            }

            if (redeploy.ExtraTmpfs.Count > 0)
            {
                with.Add(("tmpfs", string.Join(',', redeploy.ExtraTmpfs)));
            }

            steps.Add(StepSpec.Of(StepSpec.Redeploy, [.. with]));
        }

        steps.AddRange(evidence);
        return steps;
    }
}
