using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.MixedPrecision;

/// <summary>
/// Mixed precision for the modules that take part in it, PyTorch's <c>torch.autocast</c> made explicit: inside
/// <see cref="Enter"/>'s scope, <see cref="Conv2d"/>, <see cref="Linear"/> and <see cref="Run"/> compute convolutions and
/// linear layers in the scope's type from a cast of their float32 weights — autograd carries the gradient back through
/// the cast, so the float32 weights are what the optimizer updates — while batch norm keeps its float32 parameters and
/// statistics (ATen's CPU and CUDA kernels take a bfloat16 input with float32 parameters). A module that computes in the
/// scope's type takes its input through <see cref="Begin"/> and hands its output back through <see cref="End"/>, so
/// everything outside it — losses, heads, augmentation — sees float32. Outside a scope every method is the plain
/// float32 forward, so evaluation and export never change.
/// </summary>
/// <remarks>
/// The scope is per thread, like PyTorch's: enter it around the forward pass on the thread that runs it; backward needs
/// no scope.
/// </remarks>
/// <example>
/// <code>
/// using (Autocast.Enter(TrainingPrecision.Bf16))
/// {
///     loss = objective.ComputeLoss(pixels, generator, step);
/// }
/// loss.Value.backward();
/// </code>
/// </example>
public static class Autocast
{
    [ThreadStatic]
    private static ScalarType? _computeType;

    /// <summary>The type convolutions and linear layers compute in on this thread; null outside a scope.</summary>
    public static ScalarType? ComputeType => _computeType;

    /// <summary>
    /// Computes in <paramref name="precision"/> on this thread until the returned scope is disposed; scopes nest, the
    /// innermost wins, so a <see cref="TrainingPrecision.Fp32"/> scope inside a bf16 one computes in float32.
    /// </summary>
    public static IDisposable Enter(TrainingPrecision precision) => new Scope(precision switch
    {
        TrainingPrecision.Fp32 => null,
        TrainingPrecision.Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not a training precision."),
    });

    /// <summary>A module's input in the compute type; the input itself outside a scope.</summary>
    public static Tensor Begin(Tensor input) => _computeType is { } type ? input.to(type) : input;

    /// <summary>A module's output back in float32; the output itself outside a scope.</summary>
    public static Tensor End(Tensor output) => _computeType is null ? output : output.to(ScalarType.Float32);

    /// <summary><paramref name="conv"/> on <paramref name="input"/> (in the compute type), from a cast of its weights.</summary>
    public static Tensor Conv2d(Conv2d conv, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(conv);
        if (_computeType is not { } type)
        {
            return conv.forward(input);
        }
        if (conv.padding_mode != PaddingModes.Zeros || conv.padding_type is not null)
        {
            throw new NotSupportedException($"Autocast computes zero-padded convolutions with explicit padding; this one pads {conv.padding_mode}.");
        }
        using Tensor weight = conv.weight!.to(type);
        using Tensor? bias = conv.bias?.to(type);
        return nn.functional.conv2d(input, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups);
    }

    /// <summary><paramref name="linear"/> on <paramref name="input"/> (in the compute type), from a cast of its weights.</summary>
    public static Tensor Linear(Linear linear, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(linear);
        if (_computeType is not { } type)
        {
            return linear.forward(input);
        }
        using Tensor weight = linear.weight!.to(type);
        using Tensor? bias = linear.bias?.to(type);
        return nn.functional.linear(input, weight, bias);
    }

    /// <summary>
    /// The children of <paramref name="layers"/> in order, convolutions and linear layers through <see cref="Conv2d"/> and
    /// <see cref="Linear"/>, every other child through its own forward (which must accept the compute type: batch norm,
    /// activations, pooling, flatten, and modules that use this class themselves).
    /// </summary>
    public static Tensor Run(Sequential layers, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (_computeType is null)
        {
            return layers.forward(input);
        }
        using var scope = NewDisposeScope();
        Tensor x = input;
        foreach (var (_, child) in layers.named_children())
        {
            x = child switch
            {
                Conv2d conv => Conv2d(conv, x),
                Linear linear => Linear(linear, x),
                nn.Module<Tensor, Tensor> layer => layer.forward(x),
                _ => throw new NotSupportedException($"Autocast cannot run a {child.GetType().Name} inside a Sequential."),
            };
        }
        return scope.MoveToOuter(x);
    }

    private sealed class Scope : IDisposable
    {
        private readonly ScalarType? _outer;
        private bool _disposed;

        public Scope(ScalarType? type)
        {
            _outer = _computeType;
            _computeType = type;
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _computeType = _outer;
                _disposed = true;
            }
        }
    }
}
