using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace DockerIR.Core;

/// <summary>
/// The JSON escaping of every record and --json output: as relaxed as <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>
/// (evidence is read by people and tools, never embedded in HTML), and in addition every invisible character a hostile
/// name can hide behind (format characters: bidirectional overrides and isolates, zero-width spaces and joiners, the
/// byte-order mark; line and paragraph separators) is written as \uXXXX, so a name shows as what it is.
/// </summary>
public sealed class EvidenceJsonEncoder : JavaScriptEncoder
{
    private static readonly JavaScriptEncoder Relaxed = UnsafeRelaxedJsonEscaping;

    private EvidenceJsonEncoder()
    {
    }

    public static EvidenceJsonEncoder Instance { get; } = new();

    public override int MaxOutputCharactersPerInputCharacter => 12; // a supplementary character as two \uXXXX

    public override bool WillEncode(int unicodeScalar) => IsInvisible(unicodeScalar) || Relaxed.WillEncode(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var first = Relaxed.FindFirstCharacterToEncode(text, textLength);
        var span = new ReadOnlySpan<char>(text, first < 0 ? textLength : first);
        for (var i = 0; i < span.Length;)
        {
            // Everything below U+00AD (the first format character) is decided by the relaxed encoder: skip it vectorized.
            var next = span[i..].IndexOfAnyInRange('\u00AD', '\uFFFF');
            if (next < 0)
            {
                break;
            }

            i += next;
            if (Rune.DecodeFromUtf16(span[i..], out var rune, out var used) == System.Buffers.OperationStatus.Done)
            {
                if (IsInvisible(rune.Value))
                {
                    return i;
                }

                i += used;
            }
            else
            {
                return i; // a lone surrogate: the relaxed encoder escapes it (after the prefix it returned)
            }
        }

        return first;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var first = Relaxed.FindFirstCharacterToEncodeUtf8(utf8Text);
        var span = first < 0 ? utf8Text : utf8Text[..first];
        for (var i = 0; i < span.Length;)
        {
            // Every invisible character is multi-byte in UTF-8: skip ASCII vectorized.
            var next = span[i..].IndexOfAnyInRange((byte)0x80, (byte)0xFF);
            if (next < 0)
            {
                break;
            }

            i += next;
            if (Rune.DecodeFromUtf8(span[i..], out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            if (IsInvisible(rune.Value))
            {
                return i;
            }

            i += used;
        }

        return first;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (!IsInvisible(unicodeScalar))
        {
            return Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }

        Span<char> units = stackalloc char[2];
        var count = new Rune(unicodeScalar).EncodeToUtf16(units);
        if (bufferLength < 6 * count)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        var output = new Span<char>(buffer, bufferLength);
        for (var k = 0; k < count; k++)
        {
            "\\u".CopyTo(output[(6 * k)..]);
            ((int)units[k]).TryFormat(output[((6 * k) + 2)..], out _, "X4", CultureInfo.InvariantCulture);
        }

        numberOfCharactersWritten = 6 * count;
        return true;
    }

    /// <summary>Format characters (Cf) and the line and paragraph separators: nothing a reader sees, everything a spoofed name needs.</summary>
    public static bool IsInvisible(int scalar) =>
        Rune.IsValid(scalar) && Rune.GetUnicodeCategory(new Rune(scalar)) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
