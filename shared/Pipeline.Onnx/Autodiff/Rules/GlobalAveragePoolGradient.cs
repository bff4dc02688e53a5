namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y[n, c] = mean of X[n, c] over its spatial axes: dX = dY / (H·W…), spread over every position.</summary>
public sealed class GlobalAveragePoolGradient : GradientRule
{
    public override string OpType => "GlobalAveragePool";

    public override void Emit(GradientContext context)
    {
        long[] spatial = context.InputShape(0)[2..];
        if (spatial.Any(size => size < 1))
        {
            throw context.Unsupported($"its spatial size [{string.Join(", ", spatial)}] must be static.");
        }
        long positions = spatial.Aggregate(1L, (product, size) => product * size);
        string share = context.Emit("Mul", [context.OutputGradient, context.Scalar(1f / positions)]);
        context.SetInputGradient(0, context.Emit("Expand", [share, context.ShapeOf(context.Input(0))]));
    }
}
