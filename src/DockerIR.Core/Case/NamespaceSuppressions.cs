using System.Diagnostics.CodeAnalysis;

// The case kernel's namespace matches its folder (Core/Case, as in the design's layout); "Case" is a keyword only in
// Visual Basic, which nothing here is consumed from.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:DockerIR.Core.Case",
    Justification = "The namespace matches the design's Core/Case folder; the assembly is used from C# only.")]
