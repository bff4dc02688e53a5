namespace Pipeline.Errors;

/// <summary>
/// A model did not reproduce the one it was made from within its limits (an ONNX export against its TorchSharp
/// encoder, a precision variant against its float32 source); nothing was written, and the CLIs exit 5.
/// </summary>
public abstract class ParityException : UserErrorException
{
    /// <param name="message">What was compared, what was measured and the limit.</param>
    protected ParityException(string message)
        : base(message)
    {
    }
}
