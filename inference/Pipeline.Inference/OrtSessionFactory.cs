using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Errors;

namespace Pipeline.Inference;

/// <summary>Creates an ONNX Runtime session on the execution provider asked for, falling back from auto-CUDA to CPU.</summary>
internal static class OrtSessionFactory
{
    private const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>The session on the provider <paramref name="options"/> ask for, or on the CPU when auto finds no CUDA.</summary>
    /// <exception cref="InvalidDataException">ONNX Runtime cannot load <paramref name="model"/>.</exception>
    /// <exception cref="InvalidSettingException">CUDA was asked for and cannot run here.</exception>
    public static OrtSession Create(byte[] model, string path, EmbeddingModelOptions options, ILogger logger)
    {
        if (options.ExecutionProvider is ExecutionProvider.Cuda or ExecutionProvider.Auto)
        {
            try
            {
                (InferenceSession session, SessionOptions sessionOptions) = CreateOn(model, path, options, cuda: true);
                return new OrtSession(session, sessionOptions, ExecutionProvider.Cuda);
            }
            catch (Exception error) when (IsCudaUnavailable(error))
            {
                string reason = CudaUnavailableReason(error);
                if (options.ExecutionProvider == ExecutionProvider.Cuda)
                {
                    throw new InvalidSettingException(
                        $"CUDA was asked for but cannot run here: {reason}. Use the auto or cpu execution provider.", error);
                }
                logger.LogInformation("Running {Model} on CPU, not CUDA: {Reason}.", path, reason);
            }
        }
        (InferenceSession cpuSession, SessionOptions cpuOptions) = CreateOn(model, path, options, cuda: false);
        return new OrtSession(cpuSession, cpuOptions, ExecutionProvider.Cpu);
    }

    private static (InferenceSession, SessionOptions) CreateOn(byte[] model, string path, EmbeddingModelOptions options, bool cuda)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
        };
        // ORT's intra-op threads spin after each run by default. A server's runs come in bursts between which its cores
        // serve HTTP; without spinning, embeddings/s rose 35-60 % over HTTP and 10-40 % in-process (32 clients, busy 2 cores).
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            if (cuda)
            {
                sessionOptions.AppendExecutionProvider_CUDA(0);
            }
            try
            {
                return (new InferenceSession(model, sessionOptions), sessionOptions);
            }
            catch (OnnxRuntimeException error) when (!cuda)
            {
                throw new InvalidDataException($"{path} does not load in ONNX Runtime: {error.Message}", error);
            }
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    // The CPU package has no CUDA entry point; the GPU package throws OnnxRuntimeException when CUDA or a GPU is missing.
    private static bool IsCudaUnavailable(Exception error) =>
        error is EntryPointNotFoundException or DllNotFoundException or OnnxRuntimeException;

    private static string CudaUnavailableReason(Exception error) =>
        !OrtEnv.Instance().GetAvailableProviders().Contains(CudaProviderName)
            ? "this build has ONNX Runtime's CPU package (build with -p:OnnxRuntimeBackend=gpu for CUDA)"
            : $"ONNX Runtime's CUDA provider did not start ({error.GetType().Name}: {FirstLine(error.Message)})";

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
