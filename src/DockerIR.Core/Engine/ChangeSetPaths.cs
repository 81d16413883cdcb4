namespace DockerIR.Core.Engine;

/// <summary>Path arithmetic on container paths (absolute, '/'-separated, no trailing slash).</summary>
public static class ChangeSetPaths
{
    public static string Parent(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    public static bool IsBelow(string path, string dir)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(dir);
        return path.Length > dir.Length && path.StartsWith(dir, StringComparison.Ordinal) && (dir == "/" || path[dir.Length] == '/');
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="dir"/> or lies beneath it.</summary>
    public static bool IsAtOrBelow(string path, string dir) => path == dir || IsBelow(path, dir);

    /// <summary>The tar member name for a container path: the path without its leading slash.</summary>
    public static string MemberName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.TrimStart('/');
    }
}
