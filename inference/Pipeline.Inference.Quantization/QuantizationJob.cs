using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;
using Pipeline.Runs;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// A whole quantisation, what <c>pipeline-infer quantize</c> does and any program may do without a shell: checks the
/// settings and the output path, loads the images at the model's input shape, and makes, proves and writes the variant
/// (<see cref="ModelQuantizer"/>).
/// </summary>
/// <example>
/// <code>
/// QuantizationResult int8 = new QuantizationJob().Run(new QuantizationJobOptions
/// {
///     Model = "runs/reference/encoder.onnx",
///     Precision = ModelPrecision.Int8,
///     Calibration = DatasetUri.Parse("fashion-mnist:train"),
///     Output = "runs/reference/encoder.int8.onnx",
/// });
/// </code>
/// </example>
public sealed class QuantizationJob
{
    /// <summary>Makes, proves and writes the variant <paramref name="options"/> ask for.</summary>
    /// <param name="options">The model, the images, the file to write and how to make and prove the variant.</param>
    /// <param name="cancellationToken">Stops between batches; the variant is not written.</param>
    /// <exception cref="InvalidSettingException">A setting is out of range or conflicts, the output is a folder, cannot be
    /// created or is the model itself, or the images do not fit the model or are fewer than needed
    /// (<see cref="InvalidSettingException.Setting"/> names which); the variant was not written.</exception>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    /// <exception cref="InvalidDataException">The model is not a float32 embedding model (not ONNX, no contract, already a variant).</exception>
    /// <exception cref="DataFormatException">The images are missing or malformed.</exception>
    /// <exception cref="PrecisionProofException">The variant falls short of the limits; nothing was written.</exception>
    public QuantizationResult Run(QuantizationJobOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        QuantizationOptions settings = options.Resolve();
        OutputPath.CreateFolderFor("out", options.Output);
        if (string.Equals(Path.GetFullPath(options.Model), Path.GetFullPath(options.Output), StringComparison.Ordinal))
        {
            throw InvalidSettingException.ForSetting("out", $"{options.Output} is the model itself: write the variant to another file.");
        }
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(options.Model);
        ImageSet images = DatasetLoader.LoadSetting("calibration", options.Calibration,
            new ImageShape(metadata.Channels, metadata.Height, metadata.Width), cancellationToken);
        if (images.Count < settings.ImagesNeeded)
        {
            throw InvalidSettingException.ForSetting("calibration", name => $"{options.Calibration} has {images.Count} images, fewer than the "
                + $"{settings.ImagesNeeded} needed: "
                + (settings.Precision == ModelPrecision.Int8 ? $"{name("calibration-size")} {settings.CalibrationImages} and " : "")
                + $"{name("proof-size")} {settings.ProofImages} (the two draws never share an image). Ask for fewer, or give more images.");
        }
        return ModelQuantizer.Quantize(options.Model, images, settings, options.Output, cancellationToken);
    }
}
