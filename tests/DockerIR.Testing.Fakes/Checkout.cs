namespace DockerIR.Testing;

/// <summary>The checkout a test runs from.</summary>
public static class Checkout
{
    /// <summary>The folder holding DockerIR.sln above the test's binaries.</summary>
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DockerIR.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no DockerIR.sln above {AppContext.BaseDirectory}");
    }
}
