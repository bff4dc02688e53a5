using Google.Protobuf;
using Onnx;
using Pipeline.Data.SafeTensors;
using Pipeline.Runs;

namespace Pipeline.Onnx.FineTuning;

/// <summary>A generated artifact folder held in memory: the three graphs, the initial checkpoint and the manifest.</summary>
public sealed class FineTuneArtifacts
{
    internal FineTuneArtifacts(ModelProto trainingModel, ModelProto evalModel, ModelProto? frozenModel,
        IReadOnlyList<SafeTensor> checkpoint, ArtifactsManifest manifest)
    {
        TrainingModel = trainingModel;
        EvalModel = evalModel;
        FrozenModel = frozenModel;
        Checkpoint = checkpoint;
        Manifest = manifest;
    }

    /// <summary>One whole step: forward, loss, backward, optimizer update.</summary>
    public ModelProto TrainingModel { get; }

    /// <summary>Forward only: logits, loss and the embedding.</summary>
    public ModelProto EvalModel { get; }

    /// <summary>Pixels to features, when the graphs take features; null when they take pixels.</summary>
    public ModelProto? FrozenModel { get; }

    /// <summary>Every parameter's initial value and zero optimizer state.</summary>
    public IReadOnlyList<SafeTensor> Checkpoint { get; }

    /// <summary>The manifest, without file hashes until <see cref="Write"/> adds them.</summary>
    public ArtifactsManifest Manifest { get; }

    /// <summary>
    /// Writes the folder: the graphs and the checkpoint first, then <c>artifacts.json</c> with their SHA-256, so a
    /// folder with a manifest is always complete. Returns the manifest as written.
    /// </summary>
    public ArtifactsManifest Write(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        void WriteModel(string file, ModelProto model)
        {
            string path = Path.Combine(directory, file);
            AtomicFile.Write(path, model.WriteTo);
            files[file] = FileDigest.Of(path).Sha256;
        }
        WriteModel(ArtifactsManifest.TrainingModelFile, TrainingModel);
        WriteModel(ArtifactsManifest.EvalModelFile, EvalModel);
        if (FrozenModel is not null)
        {
            WriteModel(ArtifactsManifest.FrozenModelFile, FrozenModel);
        }
        string checkpoint = Path.Combine(directory, ArtifactsManifest.CheckpointFile);
        SafeTensorsFile.Write(checkpoint, Checkpoint, new Dictionary<string, string> { [FineTuneCheckpoint.StepKey] = "0" });
        files[ArtifactsManifest.CheckpointFile] = FileDigest.Of(checkpoint).Sha256;
        ArtifactsManifest written = Manifest with { Files = files };
        written.Write(directory);
        return written;
    }
}
