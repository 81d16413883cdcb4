using System.Text.Json;
using System.Text.Json.Serialization;

namespace DockerIR.Core.Engine;

/// <summary>Writes a <see cref="ChangeKind"/> as `docker diff` prints it (A, C, D) and reads it back.</summary>
public sealed class ChangeKindJsonConverter : JsonConverter<ChangeKind>
{
    public static string Letter(ChangeKind kind) => kind switch
    {
        ChangeKind.Added => "A",
        ChangeKind.Deleted => "D",
        _ => "C",
    };

    public override ChangeKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() switch
        {
            "A" => ChangeKind.Added,
            "C" => ChangeKind.Changed,
            "D" => ChangeKind.Deleted,
            var other => throw new JsonException($"unknown change kind '{other}' (expected A, C or D)"),
        };

    public override void Write(Utf8JsonWriter writer, ChangeKind value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Letter(value));
    }
}
