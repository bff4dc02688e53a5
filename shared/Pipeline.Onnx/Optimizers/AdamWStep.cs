using System.Text.Json.Serialization;

namespace Pipeline.Onnx.Optimizers;

/// <summary>
/// Adam (Kingma and Ba 2015) with decoupled weight decay (AdamW, Loshchilov and Hutter 2019), as PyTorch's
/// <c>torch.optim.AdamW</c> computes it.
/// </summary>
/// <remarks>
/// For step t with learning rate η: p ← p·(1 − η·λ) (decaying parameters only); m ← β₁·m + (1 − β₁)·g;
/// v ← β₂·v + (1 − β₂)·g²; p ← p − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε). State slots <c>adam_m</c>, <c>adam_v</c>,
/// the names the TorchSharp trainer's checkpoints use.
/// </remarks>
/// <param name="Beta1">β₁ in [0, 1); the paper's 0.9.</param>
/// <param name="Beta2">β₂ in [0, 1); the paper's 0.999.</param>
/// <param name="Epsilon">ε &gt; 0; the paper's 1e-8.</param>
/// <param name="WeightDecay">λ ≥ 0; <see cref="OptimizerStep.DefaultWeightDecay"/> (PyTorch's AdamW default is 0.01).</param>
public sealed record AdamWStep(double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8, double WeightDecay = OptimizerStep.DefaultWeightDecay)
    : OptimizerStep
{
    public const string KindName = "adamw";

    private static readonly string[] Slots = ["adam_m", "adam_v"];

    [JsonIgnore]
    public override IReadOnlyList<string> StateSlots => Slots;

    public override void Validate()
    {
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), $"AdamW betas must be in [0, 1), not ({Beta1}, {Beta2}).");
        }
        if (!(Epsilon > 0) || double.IsInfinity(Epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, $"AdamW epsilon must be positive, not {Epsilon}.");
        }
        RequireWeightDecay(WeightDecay);
    }

    public override IReadOnlyList<IReadOnlyList<string>> Emit(OnnxGraphBuilder builder, string learningRate, string step,
        IReadOnlyList<ParameterUpdate> parameters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(parameters);
        Validate();
        string one = builder.AddInitializer("adamw/one", [1f]);
        string beta1 = builder.AddInitializer("adamw/beta1", [(float)Beta1]);
        string beta2 = builder.AddInitializer("adamw/beta2", [(float)Beta2]);
        string keep1 = builder.AddInitializer("adamw/one_minus_beta1", [(float)(1 - Beta1)]);
        string keep2 = builder.AddInitializer("adamw/one_minus_beta2", [(float)(1 - Beta2)]);
        string epsilon = builder.AddInitializer("adamw/epsilon", [(float)Epsilon]);

        // Scalars shared by every parameter: η/(1 − β₁ᵗ), √(1 − β₂ᵗ) and the decay factor 1 − η·λ.
        string t = StepAsFloat(builder, step);
        string correction1 = builder.AddNode("Sub", "adamw/bias_correction1", [one, builder.AddNode("Pow", "adamw/beta1_t", [beta1, t])]);
        string correction2 = builder.AddNode("Sub", "adamw/bias_correction2", [one, builder.AddNode("Pow", "adamw/beta2_t", [beta2, t])]);
        string stepSize = builder.AddNode("Div", "adamw/step_size", [learningRate, correction1]);
        string correction2Root = builder.AddNode("Sqrt", "adamw/bias_correction2_sqrt", [correction2]);
        string? decayFactor = WeightDecay > 0 && parameters.Any(parameter => parameter.Decays)
            ? builder.AddNode("Sub", "adamw/decay_factor", [one,
                builder.AddNode("Mul", "adamw/lr_decay", [learningRate, builder.AddInitializer("adamw/weight_decay", [(float)WeightDecay])])])
            : null;

        var updates = new List<IReadOnlyList<string>>(parameters.Count);
        foreach (ParameterUpdate parameter in parameters)
        {
            if (parameter.State.Count != 2)
            {
                throw new ArgumentException($"AdamW keeps two state slots per parameter; '{parameter.Parameter}' has {parameter.State.Count}.", nameof(parameters));
            }
            string name = parameter.Parameter;
            string g = parameter.Gradient;
            string decayed = parameter.Decays && decayFactor is not null
                ? builder.AddNode("Mul", $"{name}/adamw/decay", [name, decayFactor])
                : name;
            string m = builder.AddNode("Add", $"{name}/adamw/m", [
                builder.AddNode("Mul", $"{name}/adamw/m_keep", [parameter.State[0], beta1]),
                builder.AddNode("Mul", $"{name}/adamw/m_new", [g, keep1])]);
            string v = builder.AddNode("Add", $"{name}/adamw/v", [
                builder.AddNode("Mul", $"{name}/adamw/v_keep", [parameter.State[1], beta2]),
                builder.AddNode("Mul", $"{name}/adamw/v_new", [builder.AddNode("Mul", $"{name}/adamw/g2", [g, g]), keep2])]);
            string denominator = builder.AddNode("Add", $"{name}/adamw/denominator", [
                builder.AddNode("Div", $"{name}/adamw/v_corrected", [builder.AddNode("Sqrt", $"{name}/adamw/v_sqrt", [v]), correction2Root]), epsilon]);
            string change = builder.AddNode("Mul", $"{name}/adamw/change", [builder.AddNode("Div", $"{name}/adamw/direction", [m, denominator]), stepSize]);
            updates.Add([builder.AddNode("Sub", $"{name}/adamw/update", [decayed, change]), m, v]);
        }
        return updates;
    }
}
