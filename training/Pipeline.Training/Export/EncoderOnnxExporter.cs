using Google.Protobuf;
using Onnx;
using Pipeline.Onnx;
using Pipeline.Training.Encoders;
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
        int images = (int)pixels.shape[0];
        if (!(difference <= ParityTolerance))
        {
            throw new OnnxParityException(
                $"The exported {encoder.Spec.Architecture} encoder disagrees with TorchSharp: its embeddings of {images} images differ by up to {difference:G3}, over the {ParityTolerance:G1} allowed, so {fullPath} was not written. Either a module is translated wrongly (an exporter bug: report it with the run folder) or the weights are so large that float32 rounding alone exceeds the limit.",
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
        };
        metadata.WriteTo(model);
        WriteAtomically(fullPath, model);
        return new ExportResult(fullPath, metadata, images);
    }

    private static void WriteAtomically(string path, ModelProto model)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp-" + Environment.ProcessId;
        try
        {
            using (FileStream stream = File.Create(temporary))
            {
                model.WriteTo(stream);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
