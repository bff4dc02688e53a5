using System.CommandLine;
using Pipeline.Training.Export;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>The <c>export</c> verb: a run's encoder to an ONNX embedding model, parity-checked against TorchSharp.</summary>
public static class ExportCommand
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
            Description = "Checkpoint file to export (default: the run's newest).",
        };
        var output = new Option<string?>("--out")
        {
            Description = $"The ONNX file to write (default: {RunExport.DefaultFileName} in the run folder).",
        };
        var threads = SharedOptions.Threads();

        var command = new Command("export",
            $"Export a run's encoder (no head) to ONNX; written only if ONNX Runtime matches TorchSharp within {EncoderOnnxExporter.ParityTolerance:G1} on real images.")
        {
            run, checkpoint, output, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            var runDirectory = new RunDirectory(parse.GetValue(run)!);
            ExportResult result = RunExport.Export(runDirectory, parse.GetValue(checkpoint),
                parse.GetValue(output) ?? RunExport.DefaultPath(runDirectory), cancellationToken);
            Console.WriteLine(Describe(result));
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>One line saying what was exported and how closely it matches TorchSharp.</summary>
    public static string Describe(ExportResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var metadata = result.Metadata;
        return $"exported {result.Path}: {metadata.Encoder} ({metadata.Method}) {metadata.Channels}x{metadata.Height}x{metadata.Width} → {metadata.EmbeddingDim}, from {metadata.SourceCheckpoint}; parity max |ONNX − TorchSharp| = {metadata.ParityMaxAbsDiff:G3} on {result.ParityImages} images (limit {EncoderOnnxExporter.ParityTolerance:G1})";
    }
}
