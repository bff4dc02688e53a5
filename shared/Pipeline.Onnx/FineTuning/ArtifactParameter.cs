namespace Pipeline.Onnx.FineTuning;

/// <summary>One trainable parameter of the fine-tune artifacts, as <c>artifacts.json</c> lists it.</summary>
/// <param name="Name">Its name: a training-graph input, a checkpoint tensor, and (with <c>.updated</c>) a training-graph output.</param>
/// <param name="Shape">Its static shape.</param>
/// <param name="Decays">Whether weight decay applies (false for biases and normalisation parameters).</param>
/// <param name="Origin"><c>encoder</c> for an unfrozen encoder layer's parameter, <c>head</c> for the head's.</param>
/// <param name="State">Its optimizer state values, named <c>Name.slot</c>, in the optimizer's slot order.</param>
public sealed record ArtifactParameter(string Name, long[] Shape, bool Decays, string Origin, IReadOnlyList<string> State)
{
    public const string EncoderOrigin = "encoder";
    public const string HeadOrigin = "head";

    /// <summary>The number of floats it holds.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);
}
