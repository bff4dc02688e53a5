using System.CommandLine;
using System.Globalization;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Quantization;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>quantize</c> verb: binds its options into <see cref="QuantizationJobOptions"/> and runs the
/// <see cref="QuantizationJob"/>, which writes an int8 (QDQ, calibrated) or float16 variant of an embedding model only
/// when its embeddings of held-out images follow the float32 model's within the limits (exit 5 otherwise).
/// </summary>
public sealed class QuantizeCommand
{
    private static readonly QuantizationOptions Defaults = QuantizationJobOptions.Defaults;

    private readonly ModelSource _source = new();
    private readonly Option<string> _precision = new Option<string>("--precision")
    {
        Description = "int8: static QDQ (int8 weights per channel, uint8 activations calibrated on images); fp16: float16 weights and compute.",
        Required = true,
    }.AcceptOnlyFromAmong([.. Enum.GetValues<ModelPrecision>().Select(PrecisionMetadata.NameOf)]);
    private readonly Option<string> _calibration = OptionRules.ParsedBy(new Option<string>("--calibration")
    {
        Description = $"Images at the model's input: int8 calibrates on a seeded draw of them, and a disjoint draw proves the variant: {DatasetUri.AcceptedForms}.",
        Required = true,
    }, DatasetUri.Parse);
    private readonly Option<int> _calibrationSize = OptionRules.Positive(new Option<int>("--calibration-size")
    {
        Description = "How many images int8 calibrates its activation ranges on.",
        DefaultValueFactory = _ => Defaults.CalibrationImages,
    });
    private readonly Option<string> _method = new Option<string>("--calibration-method")
    {
        Description = "How an activation's range is taken from its values: minmax (nothing clips) or percentile (the rarest outliers clip).",
        DefaultValueFactory = _ => PrecisionMetadata.NameOf(Defaults.CalibrationMethod),
    }.AcceptOnlyFromAmong([.. Enum.GetValues<CalibrationMethod>().Select(PrecisionMetadata.NameOf)]);
    private readonly Option<double> _percentile = OptionRules.UpperPercentile(new Option<double>("--calibration-percentile")
    {
        Description = "With --calibration-method percentile: the upper percentile kept, above 50 and at most 100 (the lower is 100 minus it).",
        DefaultValueFactory = _ => Defaults.Percentile,
    });
    private readonly Option<int> _proofSize = OptionRules.Positive(new Option<int>("--proof-size")
    {
        Description = "How many held-out images (never calibration images) both models embed for the proof.",
        DefaultValueFactory = _ => Defaults.ProofImages,
    });
    private readonly Option<string> _output = new("--out") { Description = "The variant's file, such as encoder.int8.onnx.", Required = true };
    private readonly Option<ExecutionProvider> _provider = ModelOptions.ExecutionProvider();
    private readonly Option<int> _threads = ModelOptions.Threads();

    private QuantizeCommand()
    {
        _source.Model.Description = $"The float32 model to make a variant of: an encoder.onnx, a fine-tuned inference_model.onnx, or {ModelSource.RegistryScheme}NAME@ALIAS / {ModelSource.RegistryScheme}NAME@VERSION from --registry.";
    }

    public static Command Create() => new QuantizeCommand().Build();

    private Command Build()
    {
        var command = new Command("quantize", "Make an int8 or float16 variant of an embedding model, proven against it on held-out images.")
        {
            _precision, _calibration, _calibrationSize, _method, _percentile, _proofSize, _output, _provider, _threads,
        };
        foreach (Option option in _source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            QuantizationJobOptions options = Bind(parse, await _source.ResolveAsync(parse, cancellationToken));
            QuantizationResult result = OptionErrors.Named(() => new QuantizationJob().Run(options, cancellationToken));
            Console.WriteLine(Summary(result, parse.GetValue(_source.Model)!));
            return ExitCodes.Success;
        }));
        return command;
    }

    // The int8-only settings are the library's to default: given only when the command line gives them.
    private QuantizationJobOptions Bind(ParseResult parse, ResolvedModel model) => new()
    {
        Model = model.Path,
        ModelOptions = model.Apply(ModelOptions.Read(parse, _provider, _threads)),
        Precision = Enum.Parse<ModelPrecision>(parse.GetValue(_precision)!, ignoreCase: true),
        Calibration = DatasetUri.Parse(parse.GetValue(_calibration)!),
        CalibrationImages = Given(parse, _calibrationSize) ? parse.GetValue(_calibrationSize) : null,
        CalibrationMethod = Given(parse, _method) ? Enum.Parse<CalibrationMethod>(parse.GetValue(_method)!, ignoreCase: true) : null,
        Percentile = Given(parse, _percentile) ? parse.GetValue(_percentile) : null,
        ProofImages = parse.GetValue(_proofSize),
        Output = parse.GetValue(_output)!,
    };

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static string Summary(QuantizationResult result, string model)
    {
        PrecisionProof proof = result.Metadata.Proof;
        PrecisionLimits limits = result.Limits;
        string calibrated = result.Metadata.Calibration is { } calibration
            ? $"; calibrated on {calibration.Images} images ({PrecisionMetadata.NameOf(calibration.Method)}{(calibration.Percentile is { } p ? $" {p}" : "")})"
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{PrecisionMetadata.NameOf(result.Metadata.Precision)} variant of {model} → {result.Path}: {ByteSize.Format(result.Bytes)}, "
            + $"{(double)result.SourceBytes / result.Bytes:F1}× smaller than {ByteSize.Format(result.SourceBytes)}. On {proof.Images} held-out images of {proof.Data}: "
            + $"cosine mean {proof.MeanCosine:F5} (≥ {limits.MinMeanCosine}), smallest {proof.MinCosine:F5} (≥ {limits.MinCosine}), "
            + $"top-{proof.Neighbours} neighbours shared {proof.NeighbourAgreement:F3} (≥ {limits.MinNeighbourAgreement}){calibrated}.");
    }
}
