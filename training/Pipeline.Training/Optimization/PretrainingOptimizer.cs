using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Optimization;

/// <summary>
/// A first-order optimizer that takes its learning rate at every step (from the schedule) and exposes all of its
/// state as named tensors, so a checkpoint can save it and a resumed run continue bit for bit.
/// </summary>
public abstract class PretrainingOptimizer : IDisposable
{
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);
    private bool _disposed;

    protected PretrainingOptimizer(IReadOnlyList<OptimizedParameter> parameters, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay,
                $"Weight decay must be zero or positive, not {weightDecay}.");
        }
        Parameters = parameters;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameters this optimizer updates.</summary>
    public IReadOnlyList<OptimizedParameter> Parameters { get; }

    /// <summary>The weight-decay coefficient, applied only to parameters that decay.</summary>
    public double WeightDecay { get; }

    /// <summary>The optimizer's state tensors by name ("parameter.slot"), the live tensors, for checkpoints.</summary>
    public IReadOnlyDictionary<string, Tensor> State => _state;

    /// <summary>Updates every parameter from its gradient; <paramref name="stepNumber"/> counts from 1.</summary>
    public void Step(double learningRate, long stepNumber)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (OptimizedParameter parameter in Parameters)
        {
            Tensor? gradient = parameter.Parameter.grad;
            if (gradient is not null)
            {
                Update(parameter, gradient, learningRate, stepNumber);
            }
        }
    }

    /// <summary>Clears the gradients before the next backward pass.</summary>
    public void ZeroGrad()
    {
        foreach (OptimizedParameter parameter in Parameters)
        {
            parameter.Parameter.grad?.zero_();
        }
    }

    /// <summary>Copies saved state into the live state tensors; names and shapes must match exactly.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        if (saved.Count != _state.Count)
        {
            throw new InvalidDataException(
                $"The checkpoint holds {saved.Count} optimizer state tensors where {GetType().Name} has {_state.Count}: was it written by another optimizer?");
        }
        using var noGrad = no_grad();
        foreach ((string name, Tensor live) in _state)
        {
            if (!saved.TryGetValue(name, out Tensor? value) || !value.shape.SequenceEqual(live.shape))
            {
                throw new InvalidDataException($"The checkpoint's optimizer state lacks '{name}' or has another shape.");
            }
            live.copy_(value);
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            foreach (Tensor tensor in _state.Values)
            {
                tensor.Dispose();
            }
            _state.Clear();
            _disposed = true;
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>One parameter's update, inside no_grad and a dispose scope.</summary>
    protected abstract void Update(OptimizedParameter parameter, Tensor gradient, double learningRate, long stepNumber);

    /// <summary>Creates a zero state slot shaped like the parameter, named "parameter.slot" in checkpoints.</summary>
    protected Tensor AddSlot(OptimizedParameter parameter, string slot)
    {
        Tensor tensor = zeros_like(parameter.Parameter).DetachFromDisposeScope();
        _state.Add($"{parameter.Name}.{slot}", tensor);
        return tensor;
    }
}
