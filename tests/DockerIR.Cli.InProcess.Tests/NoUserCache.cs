using System.Runtime.CompilerServices;
using DockerIR.Core.Redeploy;

namespace DockerIR.Cli.InProcess.Tests;

/// <summary>In-process runs never read or write the user's write-profile cache: a fake image id must not land there.</summary>
internal static class NoUserCache
{
    [ModuleInitializer]
    internal static void Off() => Environment.SetEnvironmentVariable(WriteProfileCache.EnvironmentVariable, "off");
}
