using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Embed;

/// <summary>The options every verb that loads a model takes, defined once so their names, defaults and help agree.</summary>
public static class ModelOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "The encoder.onnx written by pipeline-train export.",
        Required = true,
    };

    public static Option<ExecutionProvider> ExecutionProvider() => OptionRules.OneOf(new Option<ExecutionProvider>("--execution-provider")
    {
        Description = "Where ONNX Runtime runs: auto (CUDA when the GPU build and a GPU are there, else CPU), cpu, or cuda.",
        DefaultValueFactory = _ => Inference.ExecutionProvider.Auto,
    });

    public static Option<int> Threads() => OptionRules.NonNegative(new Option<int>("--threads")
    {
        Description = "Threads ONNX Runtime uses per model run; 0 is every core.",
        DefaultValueFactory = _ => 0,
    });

    /// <summary>The <see cref="EmbeddingModelOptions"/> the parsed options say.</summary>
    public static EmbeddingModelOptions Read(ParseResult parse, Option<ExecutionProvider> provider, Option<int> threads)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new EmbeddingModelOptions { ExecutionProvider = parse.GetValue(provider), IntraOpThreads = parse.GetValue(threads) };
    }

    /// <summary>--precision: which precision variant of a model to use (see <see cref="PrecisionMetadata.Names"/>).</summary>
    public static Option<string?> Precision(string description) => new Option<string?>("--precision")
    {
        Description = description,
        HelpName = string.Join("|", PrecisionMetadata.Names),
    }.AcceptOnlyFromAmong([.. PrecisionMetadata.Names]);

    /// <summary>--batch-size: images per model run.</summary>
    public static Option<int> BatchSize(int defaultValue) => OptionRules.Positive(new Option<int>("--batch-size")
    {
        Description = "Images per model run.",
        DefaultValueFactory = _ => defaultValue,
    });
}
