using System.CommandLine;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>pipeline-infer</c> command: embeddings, fine-tuning, evaluation, choosing what to label, lookup by similarity and int8 / float16 variants of an exported encoder.onnx with ONNX Runtime alone, and the model registry.</summary>
public static class InferCommand
{
    public static RootCommand Create() => new("pipeline-infer: embeddings from an exported encoder.onnx, and classifiers fine-tuned from it, with ONNX Runtime alone.")
    {
        EmbedCommand.Create(),
        ServeCommand.Create(),
        PullCommand.Create(),
        RegistryCommand.Create(),
        FineTuneCommand.Create(),
        EvaluateCommand.Create(),
        SelectCommand.Create(),
        IndexCommand.Create(),
        QuantizeCommand.Create(),
    };
}
