namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>
/// Batch norm in inference mode, Y = γ·(X − μ)/√(σ² + ε) + β with the running statistics μ, σ² frozen:
/// dX = dY·γ/√(σ² + ε), dγ = Σ dY·(X − μ)/√(σ² + ε), dβ = Σ dY, sums over every axis but the channels.
/// </summary>
/// <remarks>Training mode normalises with each batch's own statistics, a different function; it is refused.</remarks>
public sealed class BatchNormalizationGradient : GradientRule
{
    public override string OpType => "BatchNormalization";

    /// <summary>The scale γ and the bias β; the running mean and variance stay frozen.</summary>
    public override IReadOnlySet<int> ParameterInputs { get; } = new HashSet<int> { 1, 2 };

    public override void Emit(GradientContext context)
    {
        if (OnnxAttributes.GetInt(context.Node, "training_mode", 0) != 0 || context.Node.Output.Count > 1)
        {
            throw context.Unsupported("batch norm in training mode normalises with batch statistics; only inference mode (running statistics) is differentiated.");
        }
        if (context.NeedsGradient(3) || context.NeedsGradient(4))
        {
            throw context.Unsupported("its running mean and variance are statistics, not parameters, and stay frozen.");
        }
        long[] x = context.InputShape(0);
        float epsilon = OnnxAttributes.GetFloat(context.Node, "epsilon", 1e-5f);
        // Per-channel vectors [C] broadcast as [1, C, 1, …] over X.
        long[] channelShape = [1, x[1], .. Enumerable.Repeat(1L, x.Length - 2)];
        string AsChannels(string vector) => context.Emit("Reshape", [vector, context.Int64s(channelShape)]);
        long[] reduceAxes = [0, .. Enumerable.Range(2, x.Length - 2).Select(axis => (long)axis)];
        string dY = context.OutputGradient;

        string inverseStd = context.Emit("Reciprocal", [context.Emit("Sqrt", [context.Emit("Add", [context.Input(4), context.Scalar(epsilon)])])]);
        if (context.NeedsGradient(0))
        {
            string scale = AsChannels(context.Emit("Mul", [context.Input(1), inverseStd]));
            context.SetInputGradient(0, context.Emit("Mul", [dY, scale]));
        }
        if (context.NeedsGradient(1))
        {
            string normalised = context.Emit("Mul", [context.Emit("Sub", [context.Input(0), AsChannels(context.Input(3))]), AsChannels(inverseStd)]);
            context.SetInputGradient(1, context.Emit("ReduceSum", [context.Emit("Mul", [dY, normalised]), context.Int64s(reduceAxes)],
                OnnxAttributes.Int("keepdims", 0)));
        }
        if (context.NeedsGradient(2))
        {
            context.SetInputGradient(2, context.Emit("ReduceSum", [dY, context.Int64s(reduceAxes)], OnnxAttributes.Int("keepdims", 0)));
        }
    }
}
