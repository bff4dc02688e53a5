using System.CommandLine;
using Pipeline.Cli;
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
        var projectionLayers = OptionRules.NonNegative(new Option<int>("--projection-layers")
        {
            Description = "simclr runs: keep this many hidden layers of the projection head after the encoder, and export their output as the "
                + "embedding (SimCLRv2 fine-tunes from the first). 0: the encoder's own representation h.",
            DefaultValueFactory = _ => 0,
        });
        var threads = SharedOptions.Threads();

        var command = new Command("export",
            $"Export a run's encoder (no head) to ONNX; written only if ONNX Runtime matches TorchSharp within {EncoderOnnxExporter.ParityTolerance:G1} on real images.")
        {
            run, checkpoint, output, projectionLayers, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            var runDirectory = new RunDirectory(parse.GetValue(run)!);
            string path = parse.GetValue(output) ?? RunExport.DefaultPath(runDirectory);
            int layers = parse.GetValue(projectionLayers);
            ExportResult result = layers == 0
                ? RunExport.Export(runDirectory, parse.GetValue(checkpoint), path, cancellationToken)
                : RunExport.ExportProjected(runDirectory, parse.GetValue(checkpoint), layers, path, cancellationToken);
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
        string projection = metadata.ProjectionLayers > 0 ? $" + {metadata.ProjectionLayers} projection layer(s)" : "";
        return $"exported {result.Path}: {metadata.Encoder}{projection} ({metadata.Method}) {metadata.Channels}x{metadata.Height}x{metadata.Width} → {metadata.EmbeddingDim}, from {metadata.SourceCheckpoint}; parity max |ONNX − TorchSharp| = {metadata.ParityMaxAbsDiff:G3} on {result.ParityImages} images (limit {EncoderOnnxExporter.ParityTolerance:G1})";
    }
}
