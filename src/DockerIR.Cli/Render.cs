using DockerIR.Core;
using DockerIR.Core.Engine;
using DockerIR.Core.Snapshot;
using Spectre.Console;

namespace DockerIR.Cli;

/// <summary>Human-readable output shared by the verbs. Every string from a container goes through <see cref="Safe"/>.</summary>
internal static class Render
{
    /// <summary>Escapes hostile text for a terminal and for Spectre markup.</summary>
    public static string Safe(string? text) => Markup.Escape(SafeText.Escape(text));

    public static string ShortId(string id)
    {
        var bare = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return bare.Length > 12 ? bare[..12] : bare;
    }

    public static void Changes(IAnsiConsole console, IReadOnlyList<ClassifiedChange> changes)
    {
        if (changes.Count == 0)
        {
            console.MarkupLine("No changes in the container's writable layer.");
            return;
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("KIND").AddColumn("CLASS").AddColumn("PATH").AddColumn("WHY");
        foreach (var c in changes)
        {
            var cls = c.Classification == Classification.Suspicious ? "[red]suspicious[/]" : "[grey]runtime[/]";
            table.AddRow(ChangeKindJsonConverter.Letter(c.Kind), cls, Safe(c.Path), Safe(string.Join(", ", c.Reasons)));
        }

        console.Write(table);
        var suspicious = changes.Count(c => c.Classification == Classification.Suspicious);
        console.MarkupLine($"{changes.Count} changes: [red]{suspicious} suspicious[/], {changes.Count - suspicious} runtime");
    }
}
