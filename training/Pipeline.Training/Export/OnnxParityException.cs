using Pipeline.Errors;

namespace Pipeline.Training.Export;

/// <summary>Thrown when ONNX Runtime's embeddings of an exported encoder differ from TorchSharp's by more than allowed.</summary>
public sealed class OnnxParityException : ParityException
{
    public OnnxParityException(string message, double maxAbsDifference) : base(message)
    {
        MaxAbsDifference = maxAbsDifference;
    }

    /// <summary>The largest absolute difference found (infinity when either side gave NaN or the shapes differ).</summary>
    public double MaxAbsDifference { get; }
}
