using System.CommandLine;
using DockerIR.Core.Case;
using DockerIR.Core.Response;
using DockerIR.Core;

namespace DockerIR.Cli.Tests;

/// <summary>
/// Every option a verb and a playbook step share means the same through both: the same text gives the same value, and
/// text one refuses the other refuses too (no engine needed: the command line is only parsed).
/// </summary>
public sealed class SharedOptionTests
{
    /// <summary>verb, the verb's other arguments, its flag, the step, the step's key, and how to read the step's value.</summary>
    public static TheoryData<string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var text in new[] { "512M", "1048576", "2g", "1K", "0", "-5", "abc", "5X", "1.5M", "9999999999T" })
        {
            data.Add("--max-file-size", "max_file_size", StepSpec.Extract, text);
            data.Add("--max-total-size", "max_total_size", StepSpec.Extract, text);
        }

        foreach (var text in new[] { "10", "1", "0", "-1", "abc", "2147483647" })
        {
            data.Add("--max-entries", "max_entries", StepSpec.Extract, text);
        }

        foreach (var text in new[] { "auto", "layer", "Archive", "bogus", "" })
        {
            data.Add("--source", "source", StepSpec.Extract, text);
        }

        foreach (var text in new[] { "strict", "Baseline", "hard" })
        {
            data.Add("--profile", "profile", StepSpec.Redeploy, text);
        }

        foreach (var text in new[] { "30", "1", "600", "0", "601", "x" })
        {
            data.Add("--probe-timeout", "probe_timeout", StepSpec.Redeploy, text);
        }

        foreach (var text in new[] { "5", "10000000", "0", "10000001", "many" })
        {
            data.Add("--log-tail", "log_tail", StepSpec.Snapshot, text);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SharedOption_TheSameTextMeansTheSameOnTheCommandLineAndInAPlaybook(string flag, string key, string step, string text)
    {
        string[] args = step switch
        {
            StepSpec.Extract => ["extract", "case-dir", flag, text],
            StepSpec.Redeploy => ["redeploy", "web", flag, text],
            _ => ["snapshot", "web", flag, text],
        };
        var parse = Program.BuildRootCommand(null).Parse(args);
        var spec = StepSpec.Of(step, (key, text));
        object? fromPlaybook;
        try
        {
            fromPlaybook = step switch
            {
                StepSpec.Extract => key switch
                {
                    "source" => spec.ExtractRequest(".").Source,
                    "max_file_size" => spec.ExtractRequest(".").Limits.MaxFileSize,
                    "max_total_size" => spec.ExtractRequest(".").Limits.MaxTotalSize,
                    _ => (object)spec.ExtractRequest(".").Limits.MaxEntries,
                },
                StepSpec.Redeploy => key == "profile" ? spec.RedeployOptions().Profile : spec.RedeployOptions().ProbeTimeout.TotalSeconds,
                _ => spec.LogTail(),
            };
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.Usage)
        {
            fromPlaybook = null;
        }

        if (text.Length == 0)
        {
            // An empty playbook value means the default; an empty flag value is the command line's own matter.
            Assert.Equal(Core.Extraction.SourceChoice.Auto, fromPlaybook);
            return;
        }

        var refusedOnCommandLine = parse.Errors.Count > 0;
        Assert.True(refusedOnCommandLine == (fromPlaybook is null),
            $"{flag} {text}: command line {(refusedOnCommandLine ? "refuses (" + string.Join("; ", parse.Errors.Select(e => e.Message)) + ")" : "takes it")}, playbook {(fromPlaybook is null ? "refuses" : $"takes it as {fromPlaybook}")}");
        if (fromPlaybook is null)
        {
            return;
        }

        object? fromCommandLine = key switch
        {
            "source" => parse.GetValue<Core.Extraction.SourceChoice>(flag),
            "profile" => parse.GetValue<Core.Case.HardeningProfile>(flag),
            "max_file_size" or "max_total_size" => (long)parse.GetValue<ByteSize>(flag),
            "probe_timeout" => (double)parse.GetValue<int>(flag),
            _ => parse.GetValue<int>(flag),
        };
        Assert.Equal(fromPlaybook, fromCommandLine);
    }
}
