using Microsoft.ML.OnnxRuntime;

namespace Pipeline.Inference;

/// <summary>
/// An ONNX Runtime session, the options it was made with and the provider it runs on, owned and disposed together:
/// what <see cref="OrtSessionFactory"/> makes for every model this pipeline runs.
/// </summary>
internal sealed class OrtSession(InferenceSession session, SessionOptions options, ExecutionProvider provider) : IDisposable
{
    /// <summary>The session.</summary>
    public InferenceSession Session { get; } = session;

    /// <summary>Where the session runs: <see cref="ExecutionProvider.Cpu"/> or <see cref="ExecutionProvider.Cuda"/>.</summary>
    public ExecutionProvider Provider { get; } = provider;

    /// <summary>Frees the session, then its options.</summary>
    public void Dispose()
    {
        Session.Dispose();
        options.Dispose();
    }
}
