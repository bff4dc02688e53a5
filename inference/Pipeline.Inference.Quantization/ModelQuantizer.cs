using Google.Protobuf;
using Onnx;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;
using Pipeline.Runs;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// Makes a precision variant of a float32 embedding model (an <c>encoder.onnx</c>, or a fine-tuned
/// <c>inference_model.onnx</c>) and proves it before writing it: int8 (<see cref="QdqQuantizer"/>, activations calibrated
/// on images) or float16 (<see cref="Float16Converter"/>).
/// </summary>
/// <remarks>
/// The proof is the export's parity check for variants: both models embed held-out images (never the calibration
/// ones), and the variant is written only when its embeddings follow the source's within <see cref="PrecisionLimits"/>
/// (<see cref="PrecisionProof"/>: cosine per image, nearest-neighbour agreement). The file keeps the embedding contract
/// and all of the source's metadata, adds <see cref="PrecisionMetadata"/>, and is written through a temporary file and a
/// rename, so a failure leaves nothing at the path.
/// <example><code>
/// ImageSet images = DatasetLoader.Load("fashion-mnist:train");
/// QuantizationResult result = ModelQuantizer.Quantize("encoder.onnx", images,
///     new QuantizationOptions { Precision = ModelPrecision.Int8 }, "encoder.int8.onnx");
/// </code></example>
/// </remarks>
public static class ModelQuantizer
{
    private const int EmbedBatchSize = 64;

    /// <summary>Makes, proves and writes the variant of the model at <paramref name="sourcePath"/> to <paramref name="outputPath"/>.</summary>
    /// <param name="sourcePath">A float32 embedding model.</param>
    /// <param name="images">Images at the model's input shape, at least <see cref="QuantizationOptions.ImagesNeeded"/>: a seeded draw of them calibrates, a disjoint one proves.</param>
    /// <param name="options">The variant and how to make and prove it.</param>
    /// <param name="outputPath">Where to write it; its folder must exist.</param>
    /// <param name="cancellationToken">Stops between batches; nothing is written.</param>
    /// <exception cref="InvalidSettingException">
    /// Fewer images than needed, images of another shape, or an output path that is the source's.
    /// </exception>
    /// <exception cref="ArgumentException">An option out of range.</exception>
    /// <exception cref="InvalidDataException">The source is not a float32 embedding model (not ONNX, no contract, already a variant).</exception>
    /// <exception cref="PrecisionProofException">The variant falls short of the limits; nothing was written.</exception>
    public static QuantizationResult Quantize(string sourcePath, ImageSet images, QuantizationOptions options, string outputPath,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        options.Validate();
        if (string.Equals(Path.GetFullPath(sourcePath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
        {
            throw new InvalidSettingException($"The variant would overwrite its source {sourcePath}: write it to another file.");
        }
        if (images.Count < options.ImagesNeeded)
        {
            throw new InvalidSettingException(
                $"{images.Source} has {images.Count} images; the {PrecisionMetadata.NameOf(options.Precision)} variant needs {options.ImagesNeeded} "
                + $"({(options.Precision == ModelPrecision.Int8 ? $"{options.CalibrationImages} to calibrate on and " : "")}{options.ProofImages} held out for the proof).");
        }

        using EmbeddingModel reference = EmbeddingModel.Load(sourcePath, options.Runtime);
        if (images.Shape != reference.InputShape)
        {
            throw new InvalidSettingException($"{images.Source} holds {images.Shape} images; {sourcePath} takes {reference.InputShape}.");
        }
        ModelProto source = OnnxModelFile.Read(sourcePath);
        var properties = source.MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        if (PrecisionMetadata.FromProperties(properties) is { } variantOf)
        {
            throw new InvalidDataException(
                $"{sourcePath} is already an {PrecisionMetadata.NameOf(variantOf.Precision)} variant (of the model with SHA-256 {variantOf.SourceSha256}): make variants from the float32 model.");
        }

        int[] order = Enumerable.Range(0, images.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        int calibrationCount = options.ImagesNeeded - options.ProofImages;
        (ModelProto variant, CalibrationSummary? calibration) = options.Precision switch
        {
            ModelPrecision.Int8 => Int8(source, images.Select(order[..calibrationCount]), options, cancellationToken),
            ModelPrecision.Fp16 => (Float16Converter.Convert(source), null),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Precision, "Not a precision variant."),
        };

        ImageSet heldOut = images.Select(order[calibrationCount..options.ImagesNeeded]);
        float[] expected = reference.EmbedBytes(heldOut.Pixels, EmbedBatchSize, cancellationToken: cancellationToken);
        float[] actual;
        using (EmbeddingModel candidate = EmbeddingModel.Load(variant.ToByteArray(), outputPath, options.Runtime))
        {
            actual = candidate.EmbedBytes(heldOut.Pixels, EmbedBatchSize, cancellationToken: cancellationToken);
        }
        PrecisionProof proof = EmbeddingAgreement.Measure(images.Source, expected, actual, reference.EmbeddingDim, options.Neighbours);
        PrecisionLimits limits = options.Limits ?? PrecisionLimits.For(options.Precision);
        if (limits.Shortfalls(proof) is { Count: > 0 } shortfalls)
        {
            throw new PrecisionProofException(
                $"The {PrecisionMetadata.NameOf(options.Precision)} variant of {sourcePath} does not follow it closely enough on {proof.Images} held-out images of "
                + $"{proof.Data}: {string.Join("; ", shortfalls)}, so {outputPath} was not written."
                + (options.Precision == ModelPrecision.Int8 ? " Calibrate on more images, or with the other method." : ""),
                proof);
        }

        var metadata = new PrecisionMetadata
        {
            Precision = options.Precision,
            SourceSha256 = reference.Sha256,
            Calibration = calibration,
            Proof = proof,
        };
        metadata.WriteTo(variant);
        AtomicFile.Write(outputPath, variant.WriteTo);
        return new QuantizationResult(Path.GetFullPath(outputPath), metadata, limits, new FileInfo(sourcePath).Length, new FileInfo(outputPath).Length);
    }

    private static (ModelProto, CalibrationSummary) Int8(ModelProto source, ImageSet calibration, QuantizationOptions options,
        CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, TensorRange> ranges = ActivationCalibrator.Calibrate(source, QdqQuantizer.TensorsToCalibrate(source), calibration,
            options.CalibrationMethod, options.Percentile, options.Runtime, cancellationToken);
        return (QdqQuantizer.Quantize(source, ranges), new CalibrationSummary(calibration.Source, calibration.Count, options.CalibrationMethod,
            options.CalibrationMethod == CalibrationMethod.Percentile ? options.Percentile : null));
    }
}
