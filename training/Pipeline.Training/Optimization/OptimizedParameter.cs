using TorchSharp.Modules;

namespace Pipeline.Training.Optimization;

/// <summary>A trainable parameter with its state-dict name and whether weight decay (and LARS adaptation) applies.</summary>
/// <param name="Name">The parameter's state-dict name, which also names its optimizer state in checkpoints.</param>
/// <param name="Parameter">The tensor the optimizer updates in place.</param>
/// <param name="Decays">False for biases and batch-norm parameters, which SimCLR excludes from decay and LARS.</param>
public sealed record OptimizedParameter(string Name, Parameter Parameter, bool Decays)
{
    /// <summary>
    /// Every trainable parameter of a module, under its state-dict name, with biases and normalisation parameters
    /// (every parameter of rank ≤ 1) excluded from weight decay as in SimCLR (Chen et al. 2020, Appendix B.1).
    /// </summary>
    public static IReadOnlyList<OptimizedParameter> Collect(TorchSharp.torch.nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.named_parameters()
            .Where(named => named.parameter.requires_grad)
            .Select(named => new OptimizedParameter(named.name, named.parameter, named.parameter.dim() > 1))
            .ToArray();
    }
}
