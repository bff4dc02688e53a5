using System.CommandLine;
using System.Globalization;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Quantization;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The <c>quantize</c> verb: an int8 (QDQ, calibrated) or float16 variant of an embedding model, written only when its
/// embeddings of held-out images follow the float32 model's within the limits (exit 5 otherwise).
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var source = new ModelSource();
        source.Model.Description = $"The float32 model to make a variant of: an encoder.onnx, a fine-tuned inference_model.onnx, or {ModelSource.RegistryScheme}NAME@ALIAS / {ModelSource.RegistryScheme}NAME@VERSION from --registry.";
        var precision = new Option<string>("--precision")
        {
            Description = "int8: static QDQ (int8 weights per channel, uint8 activations calibrated on images); fp16: float16 weights and compute.",
            Required = true,
        }.AcceptOnlyFromAmong([.. Enum.GetValues<ModelPrecision>().Select(PrecisionMetadata.NameOf)]);
        var calibration = OptionRules.ParsedBy(new Option<string>("--calibration")
        {
            Description = $"Images at the model's input: int8 calibrates on a seeded draw of them, and a disjoint draw proves the variant: {DatasetUri.AcceptedForms}.",
            Required = true,
        }, DatasetUri.Parse);
        var calibrationSize = OptionRules.Positive(new Option<int>("--calibration-size")
        {
            Description = "How many images int8 calibrates its activation ranges on.",
            DefaultValueFactory = _ => new QuantizationOptions { Precision = ModelPrecision.Int8 }.CalibrationImages,
        });
        var method = new Option<string>("--calibration-method")
        {
            Description = "How an activation's range is taken from its values: minmax (nothing clips) or percentile (the rarest outliers clip).",
            DefaultValueFactory = _ => PrecisionMetadata.NameOf(new QuantizationOptions { Precision = ModelPrecision.Int8 }.CalibrationMethod),
        }.AcceptOnlyFromAmong([.. Enum.GetValues<CalibrationMethod>().Select(PrecisionMetadata.NameOf)]);
        var percentile = OptionRules.UpperPercentile(new Option<double>("--calibration-percentile")
        {
            Description = "With --calibration-method percentile: the upper percentile kept, above 50 and at most 100 (the lower is 100 minus it).",
            DefaultValueFactory = _ => new QuantizationOptions { Precision = ModelPrecision.Int8 }.Percentile,
        });
        var proofSize = OptionRules.Positive(new Option<int>("--proof-size")
        {
            Description = "How many held-out images (never calibration images) both models embed for the proof.",
            DefaultValueFactory = _ => new QuantizationOptions { Precision = ModelPrecision.Int8 }.ProofImages,
        });
        var output = new Option<string>("--out") { Description = "The variant's file, such as encoder.int8.onnx.", Required = true };
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("quantize", "Make an int8 or float16 variant of an embedding model, proven against it on held-out images.")
        {
            precision, calibration, calibrationSize, method, percentile, proofSize, output, provider, threads,
        };
        foreach (Option option in source.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var options = new QuantizationOptions
            {
                Precision = Enum.Parse<ModelPrecision>(parse.GetValue(precision)!, ignoreCase: true),
                CalibrationImages = parse.GetValue(calibrationSize),
                CalibrationMethod = Enum.Parse<CalibrationMethod>(parse.GetValue(method)!, ignoreCase: true),
                Percentile = parse.GetValue(percentile),
                ProofImages = parse.GetValue(proofSize),
            };
            if (options.Precision != ModelPrecision.Int8
                && new Option[] { calibrationSize, method, percentile }.FirstOrDefault(option => parse.GetResult(option) is { Implicit: false }) is { } int8Only)
            {
                throw new UsageException($"{int8Only.Name} applies to --precision int8 only: float16 calibrates nothing (its --calibration images only prove it).");
            }
            if (options.ProofImages <= options.Neighbours)
            {
                throw new UsageException($"{proofSize.Name} must be above {options.Neighbours}, not {options.ProofImages}: the proof compares each image's {options.Neighbours} nearest neighbours among them.");
            }
            string outputPath = parse.GetValue(output)!;
            OutputFile.CreateFolderFor(output.Name, outputPath);

            ResolvedModel resolved = await source.ResolveAsync(parse, cancellationToken);
            if (string.Equals(Path.GetFullPath(resolved.Path), Path.GetFullPath(outputPath), StringComparison.Ordinal))
            {
                throw new UsageException($"{output.Name} {outputPath} is the model itself: write the variant to another file.");
            }
            EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(resolved.Path);
            string uri = parse.GetValue(calibration)!;
            ImageSet images = DatasetOption.Load(calibration.Name, uri, new ImageShape(metadata.Channels, metadata.Height, metadata.Width), cancellationToken);
            if (images.Count < options.ImagesNeeded)
            {
                throw new UsageException($"{calibration.Name} {uri} has {images.Count} images, fewer than the {options.ImagesNeeded} needed: "
                    + (options.Precision == ModelPrecision.Int8 ? $"{calibrationSize.Name} {options.CalibrationImages} and " : "")
                    + $"{proofSize.Name} {options.ProofImages} (the two draws never share an image). Ask for fewer, or give more images.");
            }

            QuantizationResult result = ModelQuantizer.Quantize(resolved.Path, images,
                options with { Runtime = resolved.Apply(ModelOptions.Read(parse, provider, threads)) }, outputPath, cancellationToken);
            Console.WriteLine(Summary(result, parse.GetValue(source.Model)!));
            return 0;
        }));
        return command;
    }

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
