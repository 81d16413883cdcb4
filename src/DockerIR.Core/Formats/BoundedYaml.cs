using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DockerIR.Core.Formats;

/// <summary>
/// Reads a small YAML (or JSON) file a responder hands us (a playbook, an IOC list) as untrusted input: a regular
/// file (a link to one is fine: the responder chose it) of at most <c>maxBytes</c>, nested at most <c>maxDepth</c>
/// levels, checked on the parser's events before a tree is built (the tree builder recurses, and 200,000 nested
/// brackets would overflow the stack). Every refusal is one usage error naming FILE:LINE:COL.
/// </summary>
public static class BoundedYaml
{
    /// <summary>The one mapping the file holds; <paramref name="what"/> names the kind of file in errors ("playbook").</summary>
    public static YamlMappingNode LoadMapping(string file, string what, int maxBytes, int maxDepth, string mappingHint)
    {
        try
        {
            var text = ReadBounded(file, what, maxBytes);
            CheckNesting(file, text, maxDepth, what);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m : throw new DockerIRException(FailureKind.Usage, $"{file}:1:1: a {what} is one YAML mapping ({mappingHint})");
        }
        catch (YamlException e)
        {
            throw new DockerIRException(FailureKind.Usage, $"{file}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new DockerIRException(FailureKind.NotFound, $"cannot read {what} {file}: {e.Message}", e);
        }
    }

    private static string ReadBounded(string file, string what, int maxBytes)
    {
        byte[]? bytes;
        try
        {
            bytes = Platform.Native.ReadSmallRegularFile(file, maxBytes, followLink: true);
        }
        catch (DockerIRException e) when (e.Kind == FailureKind.VerificationFailed)
        {
            throw new DockerIRException(FailureKind.Usage, $"{file} is not a {what} file (a directory, FIFO or device); give the YAML file", e);
        }

        if (bytes is null)
        {
            throw new DockerIRException(FailureKind.Usage, $"{file}: a {what} is at most {maxBytes} bytes; this one is larger");
        }

        var text = Encoding.UTF8.GetString(bytes);
        return text.StartsWith('\uFEFF') ? text[1..] : text;
    }

    private static void CheckNesting(string file, string text, int maxDepth, string what)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > maxDepth)
                    {
                        var at = parser.Current.Start;
                        throw new DockerIRException(FailureKind.Usage, $"{file}:{at.Line}:{at.Column}: nested more than {maxDepth} levels deep; a {what} needs a few");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }
}
