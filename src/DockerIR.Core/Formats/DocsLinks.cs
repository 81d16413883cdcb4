namespace DockerIR.Core.Formats;

/// <summary>
/// Where a rule is documented, as an absolute address for SARIF's <c>helpUri</c> and <c>informationUri</c>: the docs
/// page and the rule's anchor (<c>audit.md#cis-5.26</c>, <c>triage.md#rule-webshell.eval-input</c>). The base is
/// <c>DOCKERIR_DOCS_URL</c> when set (where a team publishes the docs), otherwise the docs shipped beside the binary
/// (a release archive's <c>docs/</c>, an install's <c>share/doc/dockerir/</c>) as a file address; with neither there is
/// no link and the help text names the page.
/// </summary>
public static class DocsLinks
{
    public const string EnvironmentVariable = "DOCKERIR_DOCS_URL";

    /// <summary>The anchor of a triage rule in triage.md.</summary>
    public static string TriageAnchor(string ruleId) => "rule-" + ruleId;

    /// <summary>The base address of the docs (ending in '/'), or null when none is known.</summary>
    public static Uri? Base { get; } = FindBase(Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory);

    /// <summary>The address of <paramref name="page"/> (and <paramref name="anchor"/>), or null when the docs have no known address.</summary>
    public static string? For(string page, string? anchor = null) =>
        Base is null ? null : new Uri(Base, page).AbsoluteUri + (anchor is null ? "" : "#" + Uri.EscapeDataString(anchor));

    internal static Uri? FindBase(string? configured, string executableDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // Only an absolute web or file address; anything else is ignored rather than written into every result.
            return Uri.TryCreate(configured.EndsWith('/') ? configured : configured + "/", UriKind.Absolute, out var uri)
                   && uri.Scheme is "https" or "http" or "file"
                ? uri
                : null;
        }

        foreach (var candidate in new[] { Path.Combine(executableDirectory, "..", "docs"), Path.Combine(executableDirectory, "..", "share", "doc", "dockerir") })
        {
            var full = Path.GetFullPath(candidate);
            if (File.Exists(Path.Combine(full, "audit.md")) && File.Exists(Path.Combine(full, "triage.md")))
            {
                return new Uri(full + "/");
            }
        }

        return null;
    }
}
