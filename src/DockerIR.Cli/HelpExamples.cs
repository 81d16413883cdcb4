using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace DockerIR.Cli;

/// <summary>
/// The examples that end each verb's help: the parser's help, then "Examples:" and the verb's command lines, so a
/// responder can copy one. A verb without an entry here fails the help test.
/// </summary>
internal static class HelpExamples
{
    private static readonly Dictionary<string, string[]> ByCommand = new(StringComparer.Ordinal)
    {
        ["dockerir"] = ["dockerir respond web --probe http://127.0.0.1:8080/ --yes", "dockerir demo"],
        ["diff"] = ["dockerir diff web", "dockerir diff web --json | jq '.[] | select(.classification == \"suspicious\")'"],
        ["snapshot"] = ["dockerir snapshot web --case-dir cases/web-1", "dockerir snapshot web --memory all --memory-max 512M"],
        ["extract"] = ["dockerir extract cases/web-1", "dockerir extract cases/web-1 --source archive --max-file-size 512M"],
        ["bundle"] = ["dockerir bundle cases/web-1", "dockerir bundle cases/web-1 -o /evidence/web-1.tar.gz --sign ~/.ssh/id_ecdsa"],
        ["verify"] = ["dockerir verify cases/web-1.tar.gz", "dockerir verify cases/web-1.tar.gz --signer allowed_signers --identity alice@example.org"],
        ["show"] = ["dockerir show cases/web-1.tar.gz /var/www/html/shell.php", "dockerir show cases/web-1 /var/www/html/index.html --before", "dockerir show cases/web-1 --process 4242"],
        ["findings"] = ["dockerir findings cases/web-1.tar.gz", "dockerir findings cases/web-1 --format sarif > findings.sarif", "dockerir findings cases/web-1 --fail-on high --format jsonl"],
        ["timeline"] = ["dockerir timeline cases/web-1 | mactime -b - -d", "dockerir timeline cases/web-1.tar.gz --format csv", "dockerir timeline cases/web-1.tar.gz --format timesketch > web-1.timesketch.csv"],
        ["report"] = ["dockerir report cases/web-1", "dockerir report cases/web-1.tar.gz --format html -o web-1.html", "dockerir report cases/web-1.tar.gz --pdf web-1.pdf"],
        ["audit"] = ["dockerir audit web", "dockerir audit --all --sarif audit.sarif --fail-on high"],
        ["hunt"] = ["dockerir hunt --case cases/web-1.tar.gz --all", "dockerir hunt --case cases/web-1 --ioc iocs.yaml --all --images -o hunt.json --fail-on high"],
        ["contain"] = ["dockerir contain web", "dockerir contain web --undo"],
        ["redeploy"] = ["dockerir redeploy web --dry-run", "dockerir redeploy web --probe http://127.0.0.1:8080/db.php --probe-expect \"DB OK\" --yes", "dockerir redeploy --service web --yes"],
        ["respond"] = ["dockerir respond web --probe http://127.0.0.1:8080/ --yes", "dockerir respond web --no-redeploy --out-dir /evidence", "dockerir respond --resume cases/20261204-101500-ab12 --yes"],
        ["playbook"] = ["dockerir playbook validate playbooks/web-rce-recovery.yaml", "dockerir playbook run playbooks/web-rce-recovery.yaml --var target=web --var url=http://127.0.0.1:8080/ --yes"],
        ["playbook validate"] = ["dockerir playbook validate playbooks/*.yaml", "dockerir playbook validate playbooks/web-rce-recovery.yaml --var target=web --var url=http://127.0.0.1:8080/"],
        ["playbook run"] = ["dockerir playbook run playbooks/fleet-snapshot.yaml --targets-from hunt.json --yes", "dockerir playbook run playbooks/web-rce-recovery.yaml --var target=web --var url=http://127.0.0.1:8080/ --dry-run", "dockerir playbook run playbooks/web-rce-recovery.yaml --var target=web --var url=http://127.0.0.1:8080/ --yes"],
        ["playbook resume"] = ["dockerir playbook resume cases/playbook-web-rce-recovery-20261204-101500-ab12 --yes"],
        ["demo"] = ["dockerir demo", "dockerir demo --keep"],
    };

    /// <summary>The examples of a command, by its path below the root ("playbook run"), or null.</summary>
    public static IReadOnlyList<string>? For(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (Symbol? s = command; s is Command c and not RootCommand; s = c.Parents.FirstOrDefault())
        {
            names.Add(c.Name);
        }

        names.Reverse();
        return ByCommand.GetValueOrDefault(names.Count == 0 ? "dockerir" : string.Join(' ', names));
    }

    /// <summary>Makes the root's help option (it is recursive) end every help with the command's examples.</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new ExamplesAction((SynchronousCommandLineAction)help.Action!);
    }

    private sealed class ExamplesAction(SynchronousCommandLineAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => inner.ClearsParseErrors;

        public override int Invoke(ParseResult parseResult)
        {
            var code = inner.Invoke(parseResult);
            if (For(parseResult.CommandResult.Command) is { } examples)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine("  " + example);
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
