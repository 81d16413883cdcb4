using System.Text.Json;

namespace DockerIR.Core.Case;

/// <summary>Reads manifest.json (from a case or a bundle), refusing a newer format or a corrupted file.</summary>
public static class ManifestFile
{
    public static async Task<Manifest> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return await ReadAsync(stream, path, cancellationToken);
    }

    public static async Task<Manifest> ReadAsync(Stream stream, string what, CancellationToken cancellationToken)
    {
        Manifest? manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync(CaseContent.Bounded(stream, Manifest.FileName, what), CaseJson.Indented.Manifest, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{what} is corrupted: {e.Message}", e);
        }

        return Checked(manifest, what);
    }

    /// <summary>A manifest from bytes already read.</summary>
    public static Manifest Read(byte[] json, string what)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, CaseJson.Indented.Manifest);
        }
        catch (JsonException e)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{what} is corrupted: {e.Message}", e);
        }

        return Checked(manifest, what);
    }

    private static Manifest Checked(Manifest? manifest, string what)
    {

        if (manifest is null)
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{what} is empty");
        }

        if (manifest.FormatVersion > Manifest.CurrentFormatVersion)
        {
            throw new DockerIRException(FailureKind.Usage, $"{what} has manifest format {manifest.FormatVersion}; this dockerir reads up to {Manifest.CurrentFormatVersion}: upgrade dockerir");
        }

        if (!IsWhole(manifest))
        {
            throw new DockerIRException(FailureKind.VerificationFailed, $"{what} is corrupted: a list is missing or holds null");
        }

        return manifest;
    }

    /// <summary>
    /// A list the JSON leaves out is null after reading, and the serializer checks no list's items: a manifest with
    /// either is damaged, not empty.
    /// </summary>
    private static bool IsWhole(Manifest manifest) =>
        manifest.Entries is not null && manifest.DeletedContents is not null && manifest.Gaps is not null
        && manifest.Entries.All(e => e is not null && e.Reasons is not null)
        && manifest.DeletedContents.All(d => d is not null) && manifest.Gaps.All(g => g is not null);
}
