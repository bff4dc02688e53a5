using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Training.Devices;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Reports;

namespace Pipeline.Training.Cli;

/// <summary>The <c>report</c> verb: PNG charts of a run and a README.md linking them.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run")
        {
            Description = "Run folder written by pretrain.",
            Required = true,
        };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Checkpoint file to report on (default: the run's newest).",
        };
        var testData = new Option<string?>("--test-data")
        {
            Description = "Images to embed and reconstruct (default: fashion-mnist:test for Fashion-MNIST runs, the training data otherwise).",
        };
        var output = new Option<string?>("--out")
        {
            Description = $"Folder of the report (default: {RunReport.DirectoryName}/ in the run folder).",
        };
        var device = SharedOptions.Device();
        var threads = SharedOptions.Threads();

        var command = new Command("report",
            "Draw a run's report: loss curves, evaluation accuracies, a PCA map of test embeddings by class, and for vae, ae and dae reconstructions (vae: prior samples and interpolations), linked from README.md.")
        {
            run, checkpoint, testData, output, device, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            var runDirectory = new RunDirectory(parse.GetValue(run)!);
            IReadOnlyList<string> files = RunReport.Write(runDirectory, parse.GetValue(checkpoint), parse.GetValue(testData),
                parse.GetValue(output) ?? RunReport.DefaultDirectory(runDirectory), TrainingDevice.Resolve(parse.GetValue(device)!),
                cancellationToken);
            Console.WriteLine(Describe(files));
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>One line naming the report's README and how many figures it links.</summary>
    public static string Describe(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return $"report {files[^1]}: {files.Count - 1} figures";
    }
}
