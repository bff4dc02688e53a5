using Pipeline.Errors;
using Pipeline.Onnx.Quantization;
using Pipeline.Runs;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// A float32 model's precision variants on disk, beside it: the int8 variant of <c>encoder.onnx</c> is
/// <c>encoder.int8.onnx</c> in the same folder (<see cref="PrecisionMetadata.FileNameOf"/>), made from that very file.
/// </summary>
public static class PrecisionVariantFile
{
    /// <summary>
    /// The file of <paramref name="modelPath"/>'s model in <paramref name="precision"/>: the file itself when it computes
    /// in that precision, else its variant beside it, checked to be one and to have been made from it.
    /// </summary>
    /// <param name="modelPath">A float32 model, or a variant (then only its own precision is found).</param>
    /// <param name="precision">One of <see cref="PrecisionMetadata.Names"/>.</param>
    /// <exception cref="FileNotFoundException">The model, or its variant in that precision, does not exist; the message names the precisions there are.</exception>
    /// <exception cref="InvalidDataException">
    /// The model is a variant in another precision, or the file beside it is not its variant in <paramref name="precision"/>.
    /// </exception>
    public static string Locate(string modelPath, string precision)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!PrecisionMetadata.Names.Contains(precision))
        {
            throw new InvalidSettingException($"'{precision}' is not a precision: {string.Join(", ", PrecisionMetadata.Names)}.");
        }
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"{modelPath} does not exist.", modelPath);
        }
        if (PrecisionMetadata.Read(modelPath) is { } own)
        {
            string name = PrecisionMetadata.NameOf(own.Precision);
            return name == precision
                ? modelPath
                : throw new InvalidDataException(
                    $"{modelPath} is the {name} variant of the model with SHA-256 {own.SourceSha256}: give that float32 model to choose another precision.");
        }
        if (precision == PrecisionMetadata.ReferenceName)
        {
            return modelPath;
        }
        ModelPrecision wanted = Enum.Parse<ModelPrecision>(precision, ignoreCase: true);
        string variantPath = Beside(modelPath, wanted);
        if (!File.Exists(variantPath))
        {
            IEnumerable<string> there = Enum.GetValues<ModelPrecision>().Where(p => File.Exists(Beside(modelPath, p))).Select(PrecisionMetadata.NameOf);
            throw new FileNotFoundException(
                $"{modelPath} has no {precision} variant beside it ({variantPath} does not exist); its precisions there: "
                + $"{string.Join(", ", [PrecisionMetadata.ReferenceName, .. there])}.", variantPath);
        }
        PrecisionMetadata? variant = PrecisionMetadata.Read(variantPath);
        string sha256 = FileDigest.Of(modelPath).Sha256;
        if (variant is null || variant.Precision != wanted || variant.SourceSha256 != sha256)
        {
            throw new InvalidDataException(variant is null || variant.Precision != wanted
                ? $"{variantPath} is not a {precision} variant: its metadata says {(variant is null ? PrecisionMetadata.ReferenceName : PrecisionMetadata.NameOf(variant.Precision))}."
                : $"{variantPath} was made from the model with SHA-256 {variant.SourceSha256}, not from {modelPath} (SHA-256 {sha256}): make it again from this model.");
        }
        return variantPath;
    }

    private static string Beside(string modelPath, ModelPrecision precision) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, PrecisionMetadata.FileNameOf(Path.GetFileName(modelPath), precision));
}
