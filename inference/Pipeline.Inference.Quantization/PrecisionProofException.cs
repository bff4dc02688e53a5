using Pipeline.Errors;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>Thrown when a precision variant's embeddings follow its float32 source's less closely than its limits allow; nothing was written.</summary>
public sealed class PrecisionProofException(string message, PrecisionProof proof) : ParityException(message)
{
    /// <summary>What was measured.</summary>
    public PrecisionProof Proof { get; } = proof;
}
