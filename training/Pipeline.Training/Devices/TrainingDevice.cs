using Pipeline.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Devices;

/// <summary>Resolves <c>--device auto|cpu|cuda</c> to a TorchSharp device, saying why when CUDA is not there.</summary>
public static class TrainingDevice
{
    /// <summary>The names <c>--device</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "cpu", "cuda"];

    /// <summary>auto: CUDA when this build and machine have it, else the CPU; cpu; cuda: CUDA or an error.</summary>
    public static Device Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "cpu" => CPU,
            "auto" => CudaAvailable() ? CUDA : CPU,
            "cuda" => CudaAvailable()
                ? CUDA
                : throw new InvalidSettingException(
                    "CUDA was asked for, but no CUDA device is usable here. This needs a build with `make TORCH=cuda` (TorchSharp-cuda-linux) on a machine with an NVIDIA GPU and driver; use the cpu or auto device otherwise."),
            _ => throw new InvalidSettingException($"Unknown device '{name}': use one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>
    /// What every training job does first: gives TorchSharp <paramref name="threads"/> CPU threads (every core when null)
    /// and resolves the device <paramref name="name"/> (<see cref="Resolve"/>).
    /// </summary>
    public static (Device Device, int Threads) Prepare(string name, int? threads)
    {
        int count = threads ?? Environment.ProcessorCount;
        set_num_threads(count);
        return (Resolve(name), count);
    }

    private static bool CudaAvailable()
    {
        try
        {
            return cuda.is_available();
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            // The CPU libtorch has no CUDA backend to ask.
            return false;
        }
    }
}
