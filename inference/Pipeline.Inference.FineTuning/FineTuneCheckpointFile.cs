using Pipeline.Data.SafeTensors;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// A fine-tune checkpoint on disk (<c>checkpoint.safetensors</c>): every trained value (parameters and optimizer
/// moments, named as the training graph's inputs), the best weights so far under <c>best/</c>, and the
/// <see cref="FineTuneCheckpointState"/> as metadata.
/// </summary>
internal static class FineTuneCheckpointFile
{
    private const string BestPrefix = "best/";

    /// <summary>Writes a checkpoint, whole or not at all.</summary>
    /// <param name="path">The file.</param>
    /// <param name="manifest">The artifacts trained: which values there are, and their shapes.</param>
    /// <param name="current">The current value of a trained value, by name.</param>
    /// <param name="best">The best weights so far, in manifest order; null without validation.</param>
    /// <param name="state">How far training went.</param>
    public static void Write(string path, ArtifactsManifest manifest, Func<string, float[]> current, float[][]? best, FineTuneCheckpointState state)
    {
        var tensors = new List<SafeTensor>();
        foreach (ArtifactParameter parameter in manifest.Parameters)
        {
            foreach (string name in (string[])[parameter.Name, .. parameter.State])
            {
                tensors.Add(SafeTensor.FromFloats(name, parameter.Shape, current(name)));
            }
        }
        if (best is not null)
        {
            tensors.AddRange(manifest.Parameters.Select((parameter, i) => SafeTensor.FromFloats(BestPrefix + parameter.Name, parameter.Shape, best[i])));
        }
        SafeTensorsFile.Write(path, tensors, state.ToMetadata());
    }

    /// <summary>The state a checkpoint holds, and its content for <see cref="Values"/> and <see cref="Best"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no checkpoint at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">It lacks its state.</exception>
    public static (FineTuneCheckpointState State, SafeTensorsContent Content) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"There is no checkpoint to resume at {path}: start without resuming.", path);
        }
        SafeTensorsContent content = SafeTensorsFile.Read(path);
        return (FineTuneCheckpointState.FromMetadata(content), content);
    }

    /// <summary>The best weights a checkpoint holds, in manifest order; null when it holds none (no validation).</summary>
    public static float[][]? Best(SafeTensorsContent content, ArtifactsManifest manifest) =>
        content.Tensors.ContainsKey(BestPrefix + manifest.Parameters[0].Name)
            ? manifest.Parameters.Select(parameter => content.Require(BestPrefix + parameter.Name).ToFloats()).ToArray()
            : null;

    /// <summary>The named values of a checkpoint, by name.</summary>
    public static Dictionary<string, float[]> Values(SafeTensorsContent content, IEnumerable<string> names) =>
        names.ToDictionary(name => name, name => content.Require(name).ToFloats(), StringComparer.Ordinal);
}
