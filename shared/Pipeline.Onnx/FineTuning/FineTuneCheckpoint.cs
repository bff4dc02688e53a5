namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// The metadata keys of a fine-tune checkpoint (<c>checkpoint.safetensors</c> and a runner's saved state): tensors are
/// named like the training graph's parameter and state inputs; the metadata says how far training went.
/// </summary>
public static class FineTuneCheckpoint
{
    /// <summary>How many updates the tensors have received.</summary>
    public const string StepKey = "step";
}
