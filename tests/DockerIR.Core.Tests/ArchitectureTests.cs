using System.Reflection;
using NetArchTest.Rules;

namespace DockerIR.Core.Tests;

/// <summary>
/// The dependency rules of ../shared/design.md §2, checked on the compiled Core assembly: the kernel folders (Engine,
/// Case, Formats, Platform) depend on no feature; a feature folder depends only on the kernel; no two folders depend on
/// each other; Core references no engine client. The one edge between features the design allows is listed by name,
/// and any edge left to remove would be listed in Remaining (now empty), so a new one fails.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Core = typeof(DockerIRException).Assembly;

    private static readonly string[] Kernel = ["Engine", "Case", "Formats", "Platform"];

    private static readonly string[] Features = ["Snapshot", "Extraction", "Evidence", "Triage", "Views", "Audit", "Redeploy"];

    /// <summary>Compose features: the runner, its steps and respond's preset (Response), the playbooks' loader, the demo that runs them, and the hunt (extraction sources, triage rules).</summary>
    private static readonly string[] Composers = ["Response", "Playbooks", "Demo", "Hunt"];

    /// <summary>Allowed by the design: the redeploy plan fixes what the audit finds, with the audit's own rules (exposure, ulimits, root).</summary>
    private static readonly HashSet<string> Allowed = ["Redeploy -> Audit"];

    /// <summary>Left to remove (issue 17); each names why it is still there.</summary>
    private static readonly HashSet<string> Remaining = [];

    [Fact]
    public void FeatureFolders_DependOnlyOnTheKernel_ApartFromTheEdgesListed()
    {
        var edges = Edges().Where(e => Features.Contains(e.From) && Features.Contains(e.To)).Select(e => $"{e.From} -> {e.To}").ToHashSet();

        Assert.Empty(edges.Except(Allowed).Except(Remaining).Order());
        Assert.Empty(Remaining.Except(edges).Order());
    }

    [Fact]
    public void KernelFolders_DependOnNoFeatureAndNoComposer()
    {
        var edges = Edges().Where(e => Kernel.Contains(e.From) && !Kernel.Contains(e.To)).Select(e => $"{e.From} -> {e.To}");

        Assert.Empty(edges);
    }

    [Fact]
    public void TheRootNamespace_DependsOnNoFeatureAndNoComposer()
    {
        // The shared basics at the root (errors, the log catalogue, option parsers, the JSON encoder) are kernel too:
        // a JSON context naming every folder's types used to live here, making each feature depend on all the others.
        var roots = Types.InAssembly(Core).That().ResideInNamespaceMatching(@"^DockerIR\.Core$").GetTypes().ToList();
        var offending = Types.InAssembly(Core).That().ResideInNamespaceMatching(@"^DockerIR\.Core$")
            .And().HaveDependencyOnAny([.. Features.Concat(Composers).Select(f => $"DockerIR.Core.{f}")]).GetTypes().Select(t => t.FullName);

        Assert.Contains(roots, t => t.Name == nameof(LogEvents));
        Assert.Empty(offending);
    }

    [Fact]
    public void NoTwoFolders_DependOnEachOther()
    {
        var edges = Edges().Select(e => (e.From, e.To)).ToHashSet();

        Assert.Empty(edges.Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.Contains((e.To, e.From))).Select(e => $"{e.From} <-> {e.To}"));
    }

    [Fact]
    public void Core_ReferencesNoEngineClient()
    {
        var references = Core.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.DoesNotContain(references, n => n is "DockerIR.Docker" or "Docker.DotNet" || (n ?? "").StartsWith("Docker.DotNet.", StringComparison.Ordinal));
        Assert.Empty(Types.InAssembly(Core).Should().NotHaveDependencyOnAny("DockerIR.Docker", "Docker.DotNet").GetResult().FailingTypeNames ?? []);
    }

    [Fact]
    public void TheEngineFreeSuite_AndItsFakes_ReferenceNoEngineClient()
    {
        // The role fakes stand in for the engine: neither they nor this suite may bring the real client along.
        var fakes = typeof(Testing.FakeEngine).Assembly;
        foreach (var assembly in new[] { fakes, typeof(ArchitectureTests).Assembly })
        {
            Assert.DoesNotContain(assembly.GetReferencedAssemblies(), a => a.Name is "DockerIR.Docker" or "Docker.DotNet");
        }

        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "DockerIR.Docker.dll")), "the engine client was copied beside the engine-free suite");
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "DockerIR.Testing.Fakes.dll")));
    }

    [Fact]
    public void LogTemplates_AreAllInTheCatalogue()
    {
        // A Serilog call with a literal template anywhere but Core/LogEvents.cs is a message outside the catalogue.
        var call = new System.Text.RegularExpressions.Regex(@"\.(Verbose|Debug|Information|Warning|Error|Fatal)\(\s*""");
        var sources = Directory.EnumerateFiles(Path.Combine(Testing.Checkout.Root(), "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToList();
        var catalogue = sources.Single(f => f.EndsWith(Path.Combine("DockerIR.Core", "LogEvents.cs"), StringComparison.Ordinal));

        Assert.True(call.Count(File.ReadAllText(catalogue)) > 30, "the check finds the catalogue's own templates");
        Assert.Empty(sources.Where(f => f != catalogue && call.IsMatch(File.ReadAllText(f))).Select(f => Path.GetRelativePath(Testing.Checkout.Root(), f)));
    }

    [Fact]
    public void TheRules_SeeADependencyWhereOneIs()
    {
        // The check itself can fail: a known use (the snapshot commits through the engine port) is found.
        Assert.Contains(Edges(), e => e is { From: "Snapshot", To: "Engine" });
        Assert.Contains(Edges(), e => e is { From: "Redeploy", To: "Audit" });
    }

    private static List<(string From, string To)> Edges()
    {
        var folders = Kernel.Concat(Features).Concat(Composers).ToArray();
        var present = Core.GetTypes().Select(t => t.Namespace ?? "").ToHashSet();
        Assert.All(folders, f => Assert.Contains($"DockerIR.Core.{f}", present));
        var edges = new List<(string, string)>();
        foreach (var from in folders)
        {
            foreach (var to in folders.Where(t => t != from))
            {
                var types = Types.InAssembly(Core).That().ResideInNamespace($"DockerIR.Core.{from}").And().HaveDependencyOn($"DockerIR.Core.{to}").GetTypes();
                if (types.Any())
                {
                    edges.Add((from, to));
                }
            }
        }

        return edges;
    }
}
