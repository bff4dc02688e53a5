namespace Pipeline.Inference;

/// <summary>Where ONNX Runtime runs a model: asked for as <c>auto|cpu|cuda</c>, reported as the one actually used.</summary>
public enum ExecutionProvider
{
    /// <summary>CUDA when this build has the CUDA provider and a GPU answers, otherwise CPU (with a log line saying why).</summary>
    Auto,

    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA provider: needs the GPU build (<c>-p:OnnxRuntimeBackend=gpu</c>), CUDA 13 and a GPU.</summary>
    Cuda,
}
