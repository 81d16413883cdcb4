using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DockerIR.Cli;

/// <summary>Writes --json results to stdout.</summary>
internal static class CliJson
{
    public static async Task WriteAsync<T>(TextWriter output, T value, JsonTypeInfo<T> type)
    {
        await output.WriteLineAsync(JsonSerializer.Serialize(value, type));
        await output.FlushAsync();
    }
}
