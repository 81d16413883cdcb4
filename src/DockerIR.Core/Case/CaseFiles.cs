using System.Text;
using DockerIR.Core.Platform;

namespace DockerIR.Core.Case;

/// <summary>
/// The files of a case as they go into SHA256SUMS and the bundle: every regular file below the case directory,
/// in a fixed order (SHA256SUMS, then manifest and case records, then the rest; the large tars last). A case
/// holds only names this tool wrote; anything else (a link, a device, an unsafe name) is refused, not followed.
/// </summary>
public static class CaseFiles
{
    public const string SumsFile = "SHA256SUMS";

    /// <summary>The timeline's bodyfile, a view of the case.</summary>
    public const string TimelineFile = "timeline.body";

    /// <summary>The report, a view of the case, as Markdown and as HTML.</summary>
    public const string ReportMarkdownFile = "report.md";

    public const string ReportHtmlFile = "report.html";

    /// <summary>
    /// What is made from the extracted evidence (the findings and the views): removed when an extraction starts, so none
    /// outlives the evidence it was made from.
    /// </summary>
    public static IReadOnlyList<string> Derived { get; } = [TriageReport.FileName, TimelineFile, ReportMarkdownFile, ReportHtmlFile];

    private static readonly string[] Leading = [SumsFile, Manifest.FileName, CaseDirectory.CaseFile, CaseDirectory.CustodyFile, CaseDirectory.CustodyAfterSealFile, CaseDirectory.ChangesFile];

    /// <summary>
    /// The files a sealed case is appended to instead of its sealed ones (the custody log, the tool's log), each with the
    /// file it continues: never listed in SHA256SUMS, so the sealed files still check; the next bundle folds them in.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AfterSeal { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [CaseDirectory.CustodyAfterSealFile] = CaseDirectory.CustodyFile,
        [CaseLog.AfterSealFileName] = CaseLog.FileName,
    };

    /// <summary>Where an append to <paramref name="sealedName"/> goes: itself, or once the case is sealed (SHA256SUMS written) its after-seal file.</summary>
    public static string AppendTarget(string root, string sealedName)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Path.Combine(root, File.Exists(Path.Combine(root, SumsFile)) ? AfterSeal.Single(kv => kv.Value == sealedName).Key : sealedName);
    }

    /// <summary>Moves what was appended after the seal (<paramref name="afterSealName"/>) onto the end of the file it continues, durably, and removes it.</summary>
    public static void FoldAfterSeal(string root, string afterSealName)
    {
        ArgumentNullException.ThrowIfNull(root);
        var later = Path.Combine(root, afterSealName);
        if (!File.Exists(later))
        {
            return;
        }

        var bytes = File.ReadAllBytes(later);
        if (bytes.Length > 0)
        {
            using var stream = new FileStream(Path.Combine(root, AfterSeal[afterSealName]), FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 0, FileOptions.WriteThrough);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Delete(later);
    }

    /// <summary>Relative paths ('/'-separated) of the files to hash or bundle, SHA256SUMS excluded.</summary>
    public static List<string> List(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var files = new List<string>();
        Walk(root, "", files);
        files.Sort(Compare);
        return files;
    }

    /// <summary>The bundle order: SHA256SUMS and the records first, so a reader can check the rest in one pass.</summary>
    public static int Compare(string a, string b)
    {
        int Rank(string p)
        {
            var i = Array.IndexOf(Leading, p);
            return i >= 0 ? i : IsEvidenceTar(p) ? 100 : 50;
        }

        var r = Rank(a).CompareTo(Rank(b));
        return r != 0 ? r : string.CompareOrdinal(a, b);
    }

    /// <summary>True for the stored change set (artifacts/*.tar), which comes after every record in a case's order.</summary>
    public static bool IsEvidenceTar(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        return relative.StartsWith("artifacts/", StringComparison.Ordinal) && relative.EndsWith(".tar", StringComparison.Ordinal);
    }

    /// <summary>True for a name this tool writes into a case: letters, digits, '.', '_', '-' and '/' between parts, nothing hidden.</summary>
    public static bool IsSafeName(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        return relative.Length is > 0 and < 256
            && relative.Split('/').All(part => part.Length > 0 && part[0] != '.' && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
    }

    /// <summary>One line of a coreutils sha256sum file ("HASH  NAME").</summary>
    public static string SumLine(string sha256, string name) => $"{sha256}  {name}\n";

    /// <summary>Parses a coreutils sha256sum file into name → hash; malformed lines are an error naming the line.</summary>
    public static Dictionary<string, string> ParseSums(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        var n = 0;
        foreach (var line in text.Split('\n'))
        {
            n++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') || !line[..64].All(char.IsAsciiHexDigitLower))
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"{what} line {n} is not a sha256sum line");
            }

            sums[line[66..]] = line[..64];
        }

        return sums;
    }

    private static void Walk(string root, string relative, List<string> files)
    {
        var dir = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            var rel = relative.Length == 0 ? info.Name : $"{relative}/{info.Name}";
            if (rel == SumsFile || info.Name.Contains(".partial-", StringComparison.Ordinal) || info.Name.Contains(".old-", StringComparison.Ordinal))
            {
                continue;
            }

            if (info.LinkTarget is not null || !IsSafeName(rel))
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"the case holds '{SafeText.Escape(rel)}', which dockerir did not write (a link or an unexpected name)");
            }

            if (info is DirectoryInfo)
            {
                Walk(root, rel, files);
            }
            else if (Native.LStat(info.FullName) is { Type: HostStat.Regular })
            {
                files.Add(rel);
            }
            else
            {
                throw new DockerIRException(FailureKind.VerificationFailed, $"the case holds '{SafeText.Escape(rel)}', which is not a regular file");
            }
        }
    }

    /// <summary>Writes SHA256SUMS for the case (atomically) and returns the file list with hashes.</summary>
    public static async Task<List<(string Name, string Sha256, long Size)>> WriteSumsAsync(CaseDirectory dir, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var result = new List<(string, string, long)>();
        var text = new StringBuilder();
        foreach (var name in List(dir.Root))
        {
            await using var stream = new FileStream(dir.PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var (sha, size) = await HashingStream.HashAsync(stream, cancellationToken);
            result.Add((name, sha, size));
            text.Append(SumLine(sha, name));
        }

        await dir.WriteBytesAsync(SumsFile, Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
        return result;
    }
}
