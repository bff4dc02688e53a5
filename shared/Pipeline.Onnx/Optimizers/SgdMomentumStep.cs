using System.Text.Json.Serialization;

namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// Stochastic gradient descent with heavy-ball momentum (Polyak 1964) and L2 weight decay, as PyTorch's
/// <c>torch.optim.SGD</c> computes it (dampening 0, not Nesterov).
/// </summary>
/// <remarks>
/// With learning rate η: g ← g + λ·p (decaying parameters only); b ← μ·b + g; p ← p − η·b. State slot
/// <c>momentum</c>, starting at zero (PyTorch's first buffer, g itself, is the same thing).
/// </remarks>
/// <param name="Momentum">μ in [0, 1); <see cref="DefaultMomentum"/>.</param>
/// <param name="WeightDecay">λ ≥ 0; <see cref="OptimizerStep.DefaultWeightDecay"/>.</param>
public sealed record SgdMomentumStep(double Momentum = SgdMomentumStep.DefaultMomentum, double WeightDecay = OptimizerStep.DefaultWeightDecay)
    : OptimizerStep
{
    public const string KindName = "sgd";

    /// <summary>The momentum μ taken when none is given: 0.9, the common choice.</summary>
    public const double DefaultMomentum = 0.9;

    private static readonly string[] Slots = ["momentum"];

    [JsonIgnore]
    public override IReadOnlyList<string> StateSlots => Slots;

    public override void Validate()
    {
        if (!(Momentum >= 0 && Momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, $"SGD momentum must be in [0, 1), not {Momentum}.");
        }
        RequireWeightDecay(WeightDecay);
    }

    public override IReadOnlyList<IReadOnlyList<string>> Emit(OnnxGraphBuilder builder, string learningRate, string step,
        IReadOnlyList<ParameterUpdate> parameters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(parameters);
        Validate();
        string momentum = builder.AddInitializer("sgd/momentum", [(float)Momentum]);
        string? decay = WeightDecay > 0 ? builder.AddInitializer("sgd/weight_decay", [(float)WeightDecay]) : null;
        var updates = new List<IReadOnlyList<string>>(parameters.Count);
        foreach (ParameterUpdate parameter in parameters)
        {
            if (parameter.State.Count != 1)
            {
                throw new ArgumentException($"SGD keeps one state slot per parameter; '{parameter.Parameter}' has {parameter.State.Count}.", nameof(parameters));
            }
            string name = parameter.Parameter;
            string g = parameter.Decays && decay is not null
                ? builder.AddNode("Add", $"{name}/sgd/decayed_gradient", [parameter.Gradient, builder.AddNode("Mul", $"{name}/sgd/decay", [name, decay])])
                : parameter.Gradient;
            string buffer = builder.AddNode("Add", $"{name}/sgd/buffer", [builder.AddNode("Mul", $"{name}/sgd/buffer_keep", [parameter.State[0], momentum]), g]);
            string updated = builder.AddNode("Sub", $"{name}/sgd/update", [name, builder.AddNode("Mul", $"{name}/sgd/change", [buffer, learningRate])]);
            updates.Add([updated, buffer]);
        }
        return updates;
    }
}
