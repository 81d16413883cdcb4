using System.Security.Cryptography;
using DockerIR.Core.Case;
using DockerIR.Core.Formats;

namespace DockerIR.Core.Views;

/// <summary>The head of one stored file as the report shows it: what it is, its first bytes, and whether its content matched the manifest's hash.</summary>
public sealed record FilePreview(string Type, bool IsText, byte[] Head, long Size)
{
    /// <summary>True or false when the whole content was read and hashed here; null when it is too large to (verify checks it).</summary>
    public bool? HashMatches { get; init; }
}

/// <summary>
/// The contents the report shows inline, read bounded from the case or bundle: the diff of each changed text file
/// (artifacts/diffs, checked against SHA256SUMS when the content is verified) and the head of each dropped file
/// (from the after tar, hashed whole against the manifest when small). Nothing is unpacked to disk; a damaged tar
/// leaves a problem to report, not a failed report.
/// </summary>
public sealed class ReportContents
{
    /// <summary>The most files shown inline; the rest are in the evidence table.</summary>
    public const int MaxFiles = 40;

    /// <summary>The bytes of a file shown at most (a text preview stops earlier at <see cref="PreviewLines"/> lines).</summary>
    public const int PreviewBytes = 2048;

    public const int PreviewLines = 40;

    /// <summary>The most lines of one diff shown.</summary>
    public const int DiffLines = 240;

    /// <summary>A stored file up to this size is hashed whole before its head is shown.</summary>
    public const long HashedBytes = 1L << 20;

    public Dictionary<string, string> Diffs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, FilePreview> Previews { get; } = new(StringComparer.Ordinal);

    public List<string> Problems { get; } = [];

    public static ReportContents None { get; } = new();

    /// <summary>Reads the diffs and previews of <paramref name="paths"/> (the report's notable files, at most <see cref="MaxFiles"/>).</summary>
    public static async Task<ReportContents> ReadAsync(CaseContent content, Manifest manifest, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(paths);
        var result = new ReportContents();
        var wanted = new HashSet<string>(paths.Take(MaxFiles), StringComparer.Ordinal);
        var entries = manifest.Entries.Where(e => wanted.Contains(e.Path)).ToList();
        var diffNames = entries.Where(e => e.Diff is { } d && CaseFiles.IsSafeName(d) && d.StartsWith("artifacts/diffs/", StringComparison.Ordinal))
            .ToDictionary(e => e.Diff!, e => e.Path, StringComparer.Ordinal);
        var members = new Dictionary<string, (string Path, FileRecord Record)>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (e.Diff is null && e.After is { Type: "file", Tar: Manifest.AfterTar, Member: { } member } after)
            {
                members.TryAdd(member, (e.Path, after));
            }
        }

        try
        {
            if (diffNames.Count > 0)
            {
                foreach (var (name, bytes) in await content.ReadRecordsAsync(diffNames.Keys, cancellationToken))
                {
                    result.Diffs[diffNames[name]] = Bounded(System.Text.Encoding.UTF8.GetString(bytes), DiffLines, int.MaxValue, $"the whole diff is {name}");
                }
            }

            if (members.Count > 0)
            {
                await ReadPreviewsAsync(content, members, result, cancellationToken);
            }
        }
        catch (Exception e) when (e is DockerIRException or InvalidDataException or EndOfStreamException or IOException)
        {
            result.Problems.Add($"the inline evidence could not be read: {e.Message}; 'dockerir verify' says what is wrong");
        }

        return result;
    }

    private static async Task ReadPreviewsAsync(CaseContent content, Dictionary<string, (string Path, FileRecord Record)> members, ReportContents result, CancellationToken cancellationToken)
    {
        await foreach (var file in content.FilesAsync(name => name == Manifest.AfterTar, cancellationToken))
        {
            using var reader = new TarStreamReader(file.Content);
            var left = members.Count;
            while (left > 0 && await reader.NextAsync(cancellationToken) is { } item)
            {
                if (item.Type != TarItemType.File || !members.TryGetValue(item.Name, out var wanted) || result.Previews.ContainsKey(wanted.Path))
                {
                    continue;
                }

                left--;
                var whole = item.Size <= HashedBytes;
                var buffer = new byte[whole ? item.Size : PreviewBytes];
                var read = 0;
                while (read < buffer.Length && await item.Data.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0)
                {
                    read += n;
                }

                bool? matches = whole ? read == buffer.Length && Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, read))) == wanted.Record.Sha256 : null;
                var head = buffer.AsSpan(0, Math.Min(read, PreviewBytes)).ToArray();
                result.Previews[wanted.Path] = new FilePreview(TypeOf(head), IsText(head), head, item.Size) { HashMatches = matches };
            }

            break;
        }
    }

    /// <summary>What the head of a file says it is: an ELF program, a script (with its interpreter), PHP, HTML, an archive, text or data.</summary>
    public static string TypeOf(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\u007fELF"u8))
        {
            return "ELF executable";
        }

        if (head.StartsWith("#!"u8))
        {
            var end = head.IndexOfAny((byte)'\n', (byte)'\r');
            var interpreter = System.Text.Encoding.UTF8.GetString(head[2..(end < 0 ? Math.Min(head.Length, 80) : Math.Min(end, 80))]).Trim();
            return $"script ({SafeText.Escape(interpreter)})";
        }

        if (head.IndexOf("<?php"u8) >= 0)
        {
            return "PHP script";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]))
        {
            return "gzip data";
        }

        if (head.StartsWith("PK\u0003\u0004"u8))
        {
            return "zip archive";
        }

        if (!IsText(head))
        {
            return "binary data";
        }

        var text = System.Text.Encoding.UTF8.GetString(head).TrimStart().ToLowerInvariant();
        return text.StartsWith("<!doctype html", StringComparison.Ordinal) || text.StartsWith("<html", StringComparison.Ordinal) ? "HTML" : "text";
    }

    /// <summary>True when the bytes are UTF-8 with no NUL (a cut multi-byte character at the end is allowed).</summary>
    public static bool IsText(ReadOnlySpan<byte> head)
    {
        if (head.IndexOf((byte)0) >= 0)
        {
            return false;
        }

        // Up to three bytes at the end may be the start of a character the preview cut.
        for (var cut = 0; cut <= Math.Min(3, head.Length); cut++)
        {
            if (System.Text.Unicode.Utf8.IsValid(head[..^cut]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text shown for a preview: the first lines of a text file, else a hex dump of its head.</summary>
    public static string Show(FilePreview preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        if (preview.IsText)
        {
            return Bounded(System.Text.Encoding.UTF8.GetString(preview.Head), PreviewLines, PreviewBytes, "'dockerir show CASE PATH' prints it whole", cut: preview.Size > preview.Head.Length);
        }

        var sb = new System.Text.StringBuilder();
        var head = preview.Head.AsSpan(0, Math.Min(preview.Head.Length, 256));
        for (var offset = 0; offset < head.Length; offset += 16)
        {
            var row = head.Slice(offset, Math.Min(16, head.Length - offset));
            sb.Append(offset.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).Append("  ");
            for (var i = 0; i < 16; i++)
            {
                sb.Append(i < row.Length ? row[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + " " : "   ");
            }

            sb.Append(' ');
            foreach (var b in row)
            {
                sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static string Bounded(string text, int maxLines, int maxChars, string whole, bool cut = false)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        var kept = string.Join('\n', lines.Take(maxLines));
        cut |= lines.Length > maxLines;
        if (kept.Length > maxChars)
        {
            kept = kept[..maxChars];
            cut = true;
        }

        return cut ? kept + $"\n[... cut here: the report shows the beginning; {whole}]" : kept;
    }
}
