using System.Diagnostics;

namespace DockerIR.Core.Views;

/// <summary>
/// Prints the HTML report to PDF with headless Chromium (<c>--headless --print-to-pdf</c>), the one renderer that
/// prints the page as a browser shows it. Chromium is <c>DOCKERIR_CHROMIUM</c> when set, else the first of chromium,
/// chromium-browser, google-chrome on PATH. The page is written to a private temporary directory, with a throwaway
/// profile; nothing of the case is handed to the browser but that one file, which has no script.
/// </summary>
public static class ReportPdf
{
    public const string ChromiumVariable = "DOCKERIR_CHROMIUM";

    private static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    /// <summary>The Chromium to run, or null with the reason.</summary>
    public static (string? Path, string Why) FindChromium()
    {
        if (Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? (configured, "") : (null, $"{ChromiumVariable} names {configured}, which does not exist");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in Candidates)
            {
                if (File.Exists(Path.Combine(dir, name)))
                {
                    return (Path.Combine(dir, name), "");
                }
            }
        }

        return (null, $"no Chromium on PATH ({string.Join(", ", Candidates)}); install it (Debian: apt-get install chromium) or set {ChromiumVariable}");
    }

    /// <summary>Writes <paramref name="html"/> as a PDF to <paramref name="pdfPath"/> (atomically: a temporary name, then a rename).</summary>
    public static async Task PrintAsync(string html, string pdfPath, CancellationToken cancellationToken)
    {
        var (chromium, why) = FindChromium();
        if (chromium is null)
        {
            throw new DockerIRException(FailureKind.NotFound, $"report --pdf needs headless Chromium: {why}; 'report --format html -o FILE' writes the page to print instead");
        }

        var work = Directory.CreateTempSubdirectory("dockerir-pdf-");
        try
        {
            var page = Path.Combine(work.FullName, "report.html");
            await File.WriteAllTextAsync(page, html, cancellationToken);
            var pdf = Path.Combine(work.FullName, "report.pdf");
            var info = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                "--headless", "--disable-gpu", "--no-first-run", "--no-sandbox", "--no-pdf-header-footer", "--disable-extensions",
                $"--user-data-dir={Path.Combine(work.FullName, "profile")}", $"--print-to-pdf={pdf}", new Uri(page).AbsoluteUri,
            })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info) ?? throw new DockerIRException(FailureKind.NotFound, $"{chromium} could not be started");
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new DockerIRException(FailureKind.EngineError, $"{chromium} did not print the report within 120 s");
            }

            if (process.ExitCode != 0 || !File.Exists(pdf) || new FileInfo(pdf).Length < 5)
            {
                var detail = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
                throw new DockerIRException(FailureKind.EngineError, $"{chromium} did not print the report (exit {process.ExitCode}): {SafeText.Escape(detail)}");
            }

            var temp = $"{pdfPath}.partial-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}";
            File.Copy(pdf, temp, overwrite: false);
            File.Move(temp, pdfPath, overwrite: true);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
