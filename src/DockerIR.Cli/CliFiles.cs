namespace DockerIR.Cli;

/// <summary>Files a verb writes at the operator's request (SARIF, a report): under a temporary name, then renamed into place.</summary>
internal static class CliFiles
{
    public static async Task WriteAtomicAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var temp = path + ".partial";
        await File.WriteAllBytesAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}
