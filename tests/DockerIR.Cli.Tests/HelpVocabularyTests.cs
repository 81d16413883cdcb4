using System.CommandLine;
using System.Text.RegularExpressions;

namespace DockerIR.Cli.Tests;

/// <summary>One vocabulary across the verbs: value names, lower-case choices, sizes as 512M, and an example at the end of every help.</summary>
public sealed partial class HelpVocabularyTests
{
    private static IEnumerable<Command> AllCommands(Command command) => command.Subcommands.SelectMany(AllCommands).Prepend(command);

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var command in AllCommands(Program.BuildRootCommand(null)))
        {
            var names = new List<string>();
            for (Symbol? s = command; s is Command c and not RootCommand; s = c.Parents.FirstOrDefault())
            {
                names.Add(c.Name);
            }

            names.Reverse();
            data.Add(string.Join(' ', names));
        }

        return data;
    }

    private static async Task<string> HelpAsync(string path)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var args = path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        var code = await Program.RunAsync(args, output, error, () => throw new InvalidOperationException("help needs no engine"), CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Equal("", error.ToString());
        return output.ToString();
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task EveryHelp_EndsWithExamplesOfThatCommand_AndSpeaksOneVocabulary(string path)
    {
        var help = await HelpAsync(path);

        // Ends with its examples, each a command line of this very command.
        var tail = help.TrimEnd().Split('\n');
        var examplesAt = Array.FindLastIndex(tail, l => l == "Examples:");
        Assert.True(examplesAt > 0, $"'dockerir {path} --help' does not end with examples");
        var examples = tail[(examplesAt + 1)..].Select(l => l.Trim()).ToList();
        Assert.NotEmpty(examples);
        Assert.All(examples, e => Assert.StartsWith(("dockerir " + path).TrimEnd(), e, StringComparison.Ordinal));

        // A value is named for what it is (FILE, DIR, SIZE, N, KEY=VALUE, a|b), never the option's own name repeated.
        foreach (Match m in OptionWithValue().Matches(help))
        {
            Assert.NotEqual(m.Groups["name"].Value, m.Groups["value"].Value);
        }

        // Choices and defaults in lower case as they are typed; sizes as 2G, not 2147483648.
        Assert.DoesNotMatch(@"<[A-Z][a-z]+\|", help);
        Assert.DoesNotMatch(@"\[default: [A-Z][a-z]+\]", help);
        Assert.DoesNotMatch(@"<SIZE>[^\n]*\[default: \d+\]", help);
        // One spelling for files and directories.
        Assert.DoesNotMatch(@"(^|\s)--out\s", help);
        Assert.DoesNotContain("--html", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SizeDefaults_AreShownAsTheyAreTyped()
    {
        var help = await HelpAsync("extract");
        Assert.Contains("--max-file-size <SIZE>", help, StringComparison.Ordinal);
        Assert.Contains("[default: 2G]", help, StringComparison.Ordinal);
        Assert.Contains("[default: 64G]", help, StringComparison.Ordinal);
        Assert.Contains("--source <auto|layer|archive>", help, StringComparison.Ordinal);
        Assert.Contains("[default: auto]", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2L << 30, "2G")]
    [InlineData(512L << 20, "512M")]
    [InlineData(64L << 10, "64K")]
    [InlineData(1000, "1000")]
    [InlineData((1L << 30) + 1, "1073741825")]
    public void SizeText_ReadsBackToTheSameBytes(long bytes, string text)
    {
        Assert.Equal(text, Core.OptionValues.SizeText(bytes));
        Assert.Equal(bytes, Core.OptionValues.Size(text));
    }

    [Theory]
    [InlineData("respond", "--out", "--out-dir")]
    [InlineData("playbook run", "--out", "--out-dir")]
    [InlineData("redeploy", "--out", "--out-dir")]
    public void OldSpellings_AreStillRead_ButBothAtOnceIsAnError(string path, string old, string current)
    {
        var root = Program.BuildRootCommand(null);
        var verb = path.Split(' ');
        string[] target = verb[0] switch
        {
            "playbook" => ["playbooks/x.yaml"],
            "redeploy" => ["--service", "web"],
            _ => ["web"],
        };
        Assert.Empty(root.Parse([.. verb, .. target, old, "/tmp/x"]).Errors);
        Assert.Empty(root.Parse([.. verb, .. target, current, "/tmp/x"]).Errors);
        Assert.Contains(root.Parse([.. verb, .. target, old, "/tmp/x", current, "/tmp/y"]).Errors, e => e.Message.Contains("--out-dir once", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_FormatHtml_AndItsOldSpelling()
    {
        var root = Program.BuildRootCommand(null);
        Assert.Equal("html", root.Parse(["report", "case", "--format", "html"]).GetValue<string>("--format"));
        Assert.Empty(root.Parse(["report", "case", "--html"]).Errors);
        Assert.NotEmpty(root.Parse(["report", "case", "--html", "--format", "md"]).Errors);
        Assert.NotEmpty(root.Parse(["report", "case", "--format", "pdf"]).Errors);
    }

    [GeneratedRegex(@"--(?<name>[a-z][a-z-]*) <(?<value>[a-z][a-z-]*)>")]
    private static partial Regex OptionWithValue();
}
