using System.Security.Cryptography;

namespace DockerIR.Cli;

/// <summary>Files a verb writes at the operator's request (SARIF, a report): under a temporary name, then renamed into place.</summary>
internal static class CliFiles
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> whole or not at all. The temporary file has a random
    /// name and is created exclusively (O_CREAT|O_EXCL, which never follows a link), so a link planted beside the
    /// output in a shared directory cannot redirect the write; the rename replaces a link at the path itself rather
    /// than writing through it.
    /// </summary>
    public static async Task WriteAtomicAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temp = $"{path}.partial-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                await stream.WriteAsync(content, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
