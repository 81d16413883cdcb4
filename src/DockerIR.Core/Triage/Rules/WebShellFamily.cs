using System.Text.RegularExpressions;
using DockerIR.Core.Case;

namespace DockerIR.Core.Triage.Rules;

/// <summary>
/// Web shells: server-side code (PHP, JSP, ASP, CGI) in an added or changed file that evaluates request input,
/// runs commands taken from the request, or evaluates decoded (obfuscated) code. Read wherever a web server could
/// serve it or an attacker could stage it: web roots, temporary directories, and any file with a web-script name.
/// </summary>
public sealed partial class WebShellFamily : ITriageFamily
{
    private const string Family = "web-shell";

    public static readonly TriageRule EvalInput = new("webshell.eval-input", Family, Severity.High,
        "PHP/ASP code that evaluates request input (eval/assert/Execute of $_GET, $_POST, $_REQUEST, $_COOKIE, Request)");
    public static readonly TriageRule ExecInput = new("webshell.exec-input", Family, Severity.High,
        "code that runs a command taken from the request (system, exec, passthru, shell_exec, popen, proc_open, backticks, Runtime.exec, Process.Start)");
    public static readonly TriageRule Obfuscated = new("webshell.obfuscated-eval", Family, Severity.High,
        "code that evaluates decoded text: eval(base64_decode(...)), gzinflate, str_rot13, hex2bin");
    public static readonly TriageRule CgiEval = new("webshell.cgi-eval", Family, Severity.High,
        "a CGI script that evaluates the query string or request headers");

    public IReadOnlyList<TriageRule> Rules { get; } = [EvalInput, ExecInput, Obfuscated, CgiEval];

    private const string PhpInput = @"\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES)\b";

    [GeneratedRegex(@"\b(?:eval|assert|create_function)\s*\(\s*[^;]{0,120}?" + PhpInput, RegexOptions.IgnoreCase, 250)]
    private static partial Regex PhpEvalInput();

    [GeneratedRegex(@"\b(?:eval|execute|executeglobal)\s*\(?\s*request\s*(?:\.\s*(?:form|querystring|item))?\s*[\(\[]", RegexOptions.IgnoreCase, 250)]
    private static partial Regex AspEvalInput();

    [GeneratedRegex(@"\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(\s*[^;]{0,120}?" + PhpInput, RegexOptions.IgnoreCase, 250)]
    private static partial Regex PhpExecInput();

    [GeneratedRegex(@"`[^`\n]{0,60}" + PhpInput + "[^`\n]{0,60}`", RegexOptions.None, 250)]
    private static partial Regex PhpBacktickInput();

    [GeneratedRegex(@"(?:Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec|new\s+ProcessBuilder|Process\s*\.\s*Start)\s*\([^;]{0,200}?request\s*\.\s*(?:getParameter|QueryString|Form|Params|Item)", RegexOptions.IgnoreCase, 250)]
    private static partial Regex ServerExecInput();

    [GeneratedRegex(@"\b(?:eval|assert)\s*\(\s*(?:@\s*)?(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode)\s*\(", RegexOptions.IgnoreCase, 250)]
    private static partial Regex ObfuscatedEval();

    [GeneratedRegex(@"\beval\s+[""']?\$\{?(?:QUERY_STRING|HTTP_[A-Z_]+|REQUEST_URI|CONTENT)", RegexOptions.None, 250)]
    private static partial Regex CgiEvalInput();

    [GeneratedRegex(@"<\?php|<\?=|<%|^#!", RegexOptions.Multiline, 250)]
    private static partial Regex ServerCodeMarker();

    public bool WantsAfter(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.After?.Type == "file" && entry.Kind != Engine.ChangeKind.Deleted
            && (ChangeClassifier.IsWebRoot(entry.Path) || ChangeClassifier.RuntimeDirOf(entry.Path) is not null || ChangeClassifier.IsWebScriptName(entry.Path));
    }

    public bool WantsBefore(ManifestEntry entry) => false;

    public bool Concerns(ManifestEntry entry) => WantsAfter(entry);

    public IEnumerable<TriageFinding> Check(TriageSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.After is not { } bytes || !WantsAfter(subject.Entry))
        {
            yield break;
        }

        var text = TriageText.Of(bytes);
        // Server code only: a static page that merely mentions eval is not a web shell.
        if (TriageText.FirstMatch(text, ServerCodeMarker()) is null)
        {
            yield break;
        }

        foreach (var (rule, patterns, why) in Checks)
        {
            if (TriageText.FirstMatch(text, patterns) is { } m)
            {
                yield return new TriageFinding(rule.Id, Family, rule.Severity, subject.Path, TriageText.Excerpt(text, m.Index, m.Length), why);
            }
        }
    }

    private static readonly (TriageRule Rule, Regex[] Patterns, string Why)[] Checks =
    [
        (EvalInput, [PhpEvalInput(), AspEvalInput()], "evaluates code sent in the request: anyone who can reach it runs code in the container"),
        (ExecInput, [PhpExecInput(), PhpBacktickInput(), ServerExecInput()], "runs a shell command sent in the request"),
        (Obfuscated, [ObfuscatedEval()], "evaluates encoded code, the usual disguise of a dropped web shell"),
        (CgiEval, [CgiEvalInput()], "a CGI script that evaluates what the client sends"),
    ];
}
