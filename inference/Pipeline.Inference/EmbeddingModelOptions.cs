namespace Pipeline.Inference;

/// <summary>How <see cref="EmbeddingModel"/> sets up ONNX Runtime for a model.</summary>
public sealed record EmbeddingModelOptions
{
    /// <summary>Where to run; <see cref="ExecutionProvider.Auto"/> by default.</summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Auto;

    /// <summary>Threads ONNX Runtime uses inside one run; 0 (the default) lets it use every core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// The SHA-256 the model file must have, 64 hex digits, or null to accept any file. A mismatch refuses the model
    /// before ONNX Runtime sees it.
    /// </summary>
    public string? ExpectedSha256 { get; init; }
}
