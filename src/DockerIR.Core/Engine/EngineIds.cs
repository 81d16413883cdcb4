namespace DockerIR.Core.Engine;

/// <summary>Engine ids as people read them.</summary>
public static class EngineIds
{
    /// <summary>The first 12 hex digits of a container or image id, without "sha256:" (logs and messages; evidence keeps the whole id).</summary>
    public static string Abbreviate(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var bare = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return bare.Length > 12 ? bare[..12] : bare;
    }
}
