using Google.Protobuf;
using Onnx;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Runs;
using Pipeline.Training.Encoders;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Export;

/// <summary>
/// Exports an encoder to an ONNX embedding model (the contract of DESIGN.md) and proves it: the file is written only
/// when ONNX Runtime's embeddings of real images match TorchSharp's to within <see cref="ParityTolerance"/>.
/// </summary>
public static class EncoderOnnxExporter
{
    /// <summary>The largest absolute embedding difference an export may show against TorchSharp.</summary>
    public const double ParityTolerance = 1e-4;

    /// <summary>
    /// Translates <paramref name="encoder"/> (see <see cref="EncoderOnnxGraph"/>), checks parity on
    /// <paramref name="pixels"/> (float32 [n, C, H, W] in [0, 1]), and writes the model with its metadata to
    /// <paramref name="path"/> through a temporary file and a rename; on any failure nothing appears at the path.
    /// </summary>
    /// <exception cref="UnsupportedModuleException">The encoder holds a module the exporter cannot translate.</exception>
    /// <exception cref="OnnxParityException">The exported model disagrees with TorchSharp by more than the tolerance.</exception>
    public static ExportResult Export(Encoder encoder, Tensor pixels, ExportProvenance provenance, string path)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(provenance);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);

        ModelProto model = EncoderOnnxGraph.Build(encoder);
        double difference = OnnxParity.MaxAbsDifference(encoder, model, pixels);
        return Write(encoder, model, "embeddings", difference, pixels, provenance, fullPath, classifier: null);
    }

    /// <summary>
    /// As <see cref="Export"/>, for the encoder followed by a linear classification <paramref name="head"/>
    /// (<see cref="EncoderOnnxGraph.BuildClassifier"/>): the logits are checked against TorchSharp, and the metadata
    /// adds the class names and <paramref name="summary"/> (a JSON object), as a fine-tuned <c>inference_model.onnx</c> has.
    /// </summary>
    public static ExportResult ExportClassifier(Encoder encoder, Linear head, IReadOnlyList<string> classNames, string summary, Tensor pixels,
        ExportProvenance provenance, string path)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(provenance);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (classNames.Count != head.weight!.shape[0])
        {
            throw new ArgumentException($"The head has {head.weight!.shape[0]} outputs but {classNames.Count} class names were given.", nameof(classNames));
        }
        ModelProto model = EncoderOnnxGraph.BuildClassifier(encoder, head);
        double difference = OnnxParity.MaxAbsDifference(encoder, images => head.forward(encoder.forward(images)), model,
            ArtifactsManifest.LogitsOutput, pixels);
        return Write(encoder, model, "logits", difference, pixels, provenance, Path.GetFullPath(path), new ClassifierMetadata(classNames, summary));
    }

    private static ExportResult Write(Encoder encoder, ModelProto model, string compared, double difference, Tensor pixels, ExportProvenance provenance,
        string fullPath, ClassifierMetadata? classifier)
    {
        int images = (int)pixels.shape[0];
        if (!(difference <= ParityTolerance))
        {
            throw new OnnxParityException(
                $"The exported {encoder.Spec.Architecture} {(classifier is null ? "encoder" : "classifier")} disagrees with TorchSharp: its {compared} of {images} images differ by up to {difference:G3}, over the {ParityTolerance:G1} allowed, so {fullPath} was not written. Either a module is translated wrongly (an exporter bug: report it with the run folder) or the weights are so large that float32 rounding alone exceeds the limit.",
                difference);
        }

        EncoderSpec spec = encoder.Spec;
        var metadata = new EmbeddingModelMetadata
        {
            Method = provenance.Method,
            Encoder = spec.Architecture,
            Channels = spec.InputChannels,
            Height = spec.InputHeight,
            Width = spec.InputWidth,
            // Pipeline.Data reads one channel as grey and three as R, G, B planes.
            ChannelOrder = spec.InputChannels == 1 ? "grey" : "RGB",
            EmbeddingDim = spec.EmbeddingDim,
            Mean = spec.Mean,
            Std = spec.Std,
            Dataset = provenance.Dataset,
            Metrics = provenance.Metrics,
            SourceRun = provenance.SourceRun,
            SourceCheckpoint = provenance.SourceCheckpoint,
            CheckpointSha256 = provenance.CheckpointSha256,
            CreatedUtc = DateTimeOffset.UtcNow,
            ParityMaxAbsDiff = difference,
            ProjectionLayers = encoder is ProjectedEncoder projected ? projected.ProjectionLayers : 0,
        };
        metadata.WriteTo(model);
        classifier?.WriteTo(model);
        WriteAtomically(fullPath, model);
        return new ExportResult(fullPath, metadata, images);
    }

    private static void WriteAtomically(string path, ModelProto model)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, model.WriteTo);
    }
}
