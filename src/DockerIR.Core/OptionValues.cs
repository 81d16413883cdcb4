using System.Globalization;

namespace DockerIR.Core;

/// <summary>
/// The one parser of each option type that the command line and playbooks share, so `--max-file-size 512M` and
/// `max_file_size: 512M` mean the same, and the same text is refused by both with the same expectation. Each returns
/// null for text it does not take; the caller names the option in its own terms (a flag, a step's key).
/// </summary>
public static class OptionValues
{
    public const string SizeExpected = "a positive size such as 1048576, 512M or 2G";

    public const string FlagExpected = "true or false";

    /// <summary>A byte count: digits with an optional K, M, G or T suffix (powers of 1024, either case); at least 1.</summary>
    public static long? Size(string? text)
    {
        var value = (text ?? "").Trim();
        var multiplier = 1L;
        if (value.Length > 0 && char.IsAsciiLetter(value[^1]))
        {
            multiplier = char.ToUpperInvariant(value[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 0,
            };
            value = value[..^1];
        }

        return multiplier > 0 && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= long.MaxValue / multiplier
            ? n * multiplier : null;
    }

    /// <summary>A byte count as <see cref="Size"/> reads it back, in the largest unit that divides it exactly (2G, 512M, 1000).</summary>
    public static string SizeText(long bytes)
    {
        foreach (var (suffix, unit) in new[] { ('T', 1L << 40), ('G', 1L << 30), ('M', 1L << 20), ('K', 1L << 10) })
        {
            if (bytes >= unit && bytes % unit == 0)
            {
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A whole number (digits only) from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static long? Number(string? text, long min, long max) =>
        long.TryParse((text ?? "").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    /// <summary>How a number's allowed range reads in an error.</summary>
    public static string NumberExpected(long min, long max) => $"a whole number from {min} to {max}";

    /// <summary>true or false (either case).</summary>
    public static bool? Flag(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };

    /// <summary>One of <paramref name="names"/> (either case), as its enum value; the names are the enum's members in lowercase.</summary>
    public static T? Choice<T>(string? text, params T[] names)
        where T : struct, Enum
    {
        var wanted = (text ?? "").Trim();
        foreach (var name in names)
        {
            if (string.Equals(name.ToString(), wanted, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>How a choice's allowed values read in an error ("auto, layer or archive").</summary>
    public static string ChoiceExpected<T>(params T[] names)
        where T : struct, Enum
    {
        var lower = names.Select(n => n.ToString().ToLowerInvariant()).ToList();
        return lower.Count == 1 ? lower[0] : string.Join(", ", lower[..^1]) + " or " + lower[^1];
    }
}
