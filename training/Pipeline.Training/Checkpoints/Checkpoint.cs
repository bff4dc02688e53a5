using System.Globalization;
using Pipeline.Data.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Checkpoints;

/// <summary>
/// A training checkpoint in one safetensors file: the model's state dict under "model.", the optimizer's state under
/// "optimizer.", and the step it was taken after. Everything else a resumed run needs (data order, augmentation draws)
/// is derived from the run seed and the step, so this is the whole state.
/// </summary>
public static class Checkpoint
{
    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optimizer.";
    private const string StepKey = "pipeline.step";

    /// <summary>Writes the checkpoint atomically.</summary>
    public static void Save(string path, long step, nn.Module model, IReadOnlyDictionary<string, Tensor> optimizerState,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizerState);
        var tensors = new List<SafeTensor>();
        foreach ((string name, Tensor value) in model.state_dict())
        {
            tensors.Add(TensorConversion.ToSafeTensor(ModelPrefix + name, value));
        }
        foreach ((string name, Tensor value) in optimizerState)
        {
            tensors.Add(TensorConversion.ToSafeTensor(OptimizerPrefix + name, value));
        }
        var allMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [StepKey] = step.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensorsFile.Write(path, tensors, allMetadata);
    }

    /// <summary>The step a checkpoint was taken after.</summary>
    public static long ReadStep(SafeTensorsContent content) =>
        long.Parse(content.RequireMetadata(StepKey), CultureInfo.InvariantCulture);

    /// <summary>Whether the checkpoint holds weights of the submodule <paramref name="prefix"/> (under "model.&lt;prefix&gt;.").</summary>
    public static bool HoldsModule(SafeTensorsContent content, string prefix)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return content.Tensors.Keys.Any(name => name.StartsWith(ModelPrefix + prefix + ".", StringComparison.Ordinal));
    }

    /// <summary>
    /// Loads the state dict stored under "model." into <paramref name="model"/>, or — with a prefix — only the part
    /// under "model.&lt;prefix&gt;." (for example the encoder alone). Every key must match: nothing is silently skipped.
    /// </summary>
    public static void LoadModel(SafeTensorsContent content, nn.Module model, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(model);
        string fullPrefix = prefix is null ? ModelPrefix : ModelPrefix + prefix + ".";
        var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        foreach ((string name, SafeTensor tensor) in content.Tensors)
        {
            if (name.StartsWith(fullPrefix, StringComparison.Ordinal))
            {
                stateDict[name[fullPrefix.Length..]] = TensorConversion.ToTensor(tensor);
            }
        }
        Dictionary<string, Tensor> expected = model.state_dict();
        string[] missing = expected.Keys.Where(key => !stateDict.ContainsKey(key)).ToArray();
        string[] unexpected = stateDict.Keys.Where(key => !expected.ContainsKey(key)).ToArray();
        if (missing.Length > 0 || unexpected.Length > 0)
        {
            throw new InvalidDataException(
                $"The checkpoint does not fit this model: missing [{string.Join(", ", missing.Take(5))}], unexpected [{string.Join(", ", unexpected.Take(5))}]. Was it written by another encoder or method?");
        }
        foreach ((string key, Tensor value) in stateDict)
        {
            if (!expected[key].shape.SequenceEqual(value.shape))
            {
                throw new InvalidDataException(
                    $"The checkpoint's '{key}' has shape [{string.Join(", ", value.shape)}] where the model has [{string.Join(", ", expected[key].shape)}].");
            }
        }
        using (no_grad())
        {
            foreach ((string key, Tensor value) in stateDict)
            {
                expected[key].copy_(value);
            }
        }
    }

    /// <summary>The optimizer state stored in the checkpoint, as CPU tensors by name (the caller disposes them).</summary>
    public static Dictionary<string, Tensor> ReadOptimizerState(SafeTensorsContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content.Tensors
            .Where(pair => pair.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[OptimizerPrefix.Length..], pair => TensorConversion.ToTensor(pair.Value), StringComparer.Ordinal);
    }
}
