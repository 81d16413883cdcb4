using System.Text.Json;

namespace DockerIR.Core.Formats;

/// <summary>
/// The frame of a SARIF 2.1.0 log with one run, shared by the audit and the triage findings: the driver and its rules,
/// then the results, each with its level, message and the container as a logical location. The caller writes what is
/// its own (each rule's fields, a result's physical location and properties) between the calls.
/// </summary>
public sealed class SarifLog : IDisposable
{
    private readonly MemoryStream buffer = new();

    public SarifLog(string fullName, string version, string? informationUri)
    {
        Writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = EvidenceJsonEncoder.Instance });
        Writer.WriteStartObject();
        Writer.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        Writer.WriteString("version", "2.1.0");
        Writer.WriteStartArray("runs");
        Writer.WriteStartObject();
        Writer.WriteStartObject("tool");
        Writer.WriteStartObject("driver");
        Writer.WriteString("name", "DockerIR");
        Writer.WriteString("fullName", fullName);
        Writer.WriteString("version", version);
        if (informationUri is not null)
        {
            Writer.WriteString("informationUri", informationUri);
        }

        Writer.WriteStartArray("rules");
    }

    public Utf8JsonWriter Writer { get; }

    /// <summary>Starts one rule (id, name, short description, default level, the address of its docs when known); the caller adds its fields and calls <see cref="EndObject"/>.</summary>
    public void BeginRule(string id, string name, string shortDescription, string level, string? helpUri)
    {
        Writer.WriteStartObject();
        Writer.WriteString("id", id);
        Writer.WriteString("name", name);
        if (helpUri is not null)
        {
            Writer.WriteString("helpUri", helpUri);
        }

        Writer.WriteStartObject("shortDescription");
        Writer.WriteString("text", shortDescription);
        Writer.WriteEndObject();
        Writer.WriteStartObject("defaultConfiguration");
        Writer.WriteString("level", level);
        Writer.WriteEndObject();
    }

    /// <summary>Ends the rules and the driver; <paramref name="runFields"/> writes run-level fields (e.g. originalUriBaseIds); the results follow.</summary>
    public void BeginResults(Action<Utf8JsonWriter>? runFields = null)
    {
        Writer.WriteEndArray();
        Writer.WriteEndObject();
        Writer.WriteEndObject();
        runFields?.Invoke(Writer);
        Writer.WriteStartArray("results");
    }

    /// <summary>Starts one result with its rule, level and message, and opens its first location: the caller may add a physicalLocation, then calls <see cref="ContainerLocation"/>.</summary>
    public void BeginResult(string ruleId, string level, string message)
    {
        Writer.WriteStartObject();
        Writer.WriteString("ruleId", ruleId);
        Writer.WriteString("level", level);
        Writer.WriteStartObject("message");
        Writer.WriteString("text", message);
        Writer.WriteEndObject();
        Writer.WriteStartArray("locations");
        Writer.WriteStartObject();
    }

    /// <summary>The container as the result's logical location; closes the location list. The caller adds properties and calls <see cref="EndObject"/>.</summary>
    public void ContainerLocation(string name, string? containerId) => ResourceLocation(name, $"container/{containerId}");

    /// <summary>A resource (a container, an image: <c>image/ID</c>) as the result's logical location; closes the location list.</summary>
    public void ResourceLocation(string name, string fullyQualifiedName)
    {
        Writer.WriteStartArray("logicalLocations");
        Writer.WriteStartObject();
        Writer.WriteString("name", name);
        Writer.WriteString("fullyQualifiedName", fullyQualifiedName);
        Writer.WriteString("kind", "resource");
        Writer.WriteEndObject();
        Writer.WriteEndArray();
        Writer.WriteEndObject();
        Writer.WriteEndArray();
    }

    public void EndObject() => Writer.WriteEndObject();

    /// <summary>Closes the results, the run and the log, and returns its bytes.</summary>
    public byte[] Finish()
    {
        Writer.WriteEndArray();
        Writer.WriteEndObject();
        Writer.WriteEndArray();
        Writer.WriteEndObject();
        Writer.Flush();
        return buffer.ToArray();
    }

    public void Dispose()
    {
        Writer.Dispose();
        buffer.Dispose();
    }
}
