namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>
/// Y = the maximum of each window of X: each dY goes to the position in X its window's maximum came from (the first of
/// equal maxima, as PyTorch and ONNX Runtime pick it), summed where windows overlap; every other position gets 0.
/// </summary>
/// <remarks>
/// The pooling runs again with its second output, the flat position in X of each maximum (batch and channel included),
/// and ScatterElements with reduction <c>add</c> routes the gradient there: exact for any kernel, strides, padding and
/// dilations, in standard opset-17 operators.
/// </remarks>
public sealed class MaxPoolGradient : GradientRule
{
    public override string OpType => "MaxPool";

    public override void Emit(GradientContext context)
    {
        if (OnnxAttributes.GetInt(context.Node, "storage_order", 0) != 0)
        {
            throw context.Unsupported("only row-major indices (storage_order 0) are supported.");
        }
        string input = context.Input(0);
        IReadOnlyList<string> pooled = context.Emit("MaxPool", [input], 2, context.Node.Attribute.Select(attribute => attribute.Clone()).ToArray());
        string flatIndices = context.Emit("Reshape", [pooled[1], context.Int64s(-1)]);
        string flatGradient = context.Emit("Reshape", [context.OutputGradient, context.Int64s(-1)]);
        string zeros = context.Emit("Expand", [context.Scalar(0f), context.ShapeOf(context.Emit("Reshape", [input, context.Int64s(-1)]))]);
        string scattered = context.Emit("ScatterElements", [zeros, flatIndices, flatGradient],
            OnnxAttributes.Int("axis", 0), OnnxAttributes.String("reduction", "add"));
        context.SetInputGradient(0, context.Emit("Reshape", [scattered, context.ShapeOf(input)]));
    }
}
