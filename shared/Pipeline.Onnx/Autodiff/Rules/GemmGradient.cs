namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>
/// Y = α·op(A)·op(B) + β·C, op transposing when <c>transA</c> / <c>transB</c> say so:
/// dop(A) = α·dY·op(B)ᵀ, dop(B) = α·op(A)ᵀ·dY, dC = β·dY summed over the axes C was broadcast along.
/// </summary>
public sealed class GemmGradient : GradientRule
{
    public override string OpType => "Gemm";

    /// <summary>B (a linear layer's weight) and C (its bias).</summary>
    public override IReadOnlySet<int> ParameterInputs { get; } = new HashSet<int> { 1, 2 };

    public override void Emit(GradientContext context)
    {
        float alpha = OnnxAttributes.GetFloat(context.Node, "alpha", 1f);
        float beta = OnnxAttributes.GetFloat(context.Node, "beta", 1f);
        bool transA = OnnxAttributes.GetInt(context.Node, "transA", 0) != 0;
        bool transB = OnnxAttributes.GetInt(context.Node, "transB", 0) != 0;
        string a = context.Input(0), b = context.Input(1), dY = context.OutputGradient;

        if (context.NeedsGradient(0))
        {
            // [M, K]: dA = α·dY·op(B)ᵀ, or its transpose α·op(B)·dYᵀ when A is stored transposed.
            context.SetInputGradient(0, transA
                ? Gemm(context, b, dY, alpha, transB, true)
                : Gemm(context, dY, b, alpha, false, !transB));
        }
        if (context.NeedsGradient(1))
        {
            // [K, N]: dB = α·op(A)ᵀ·dY, or its transpose α·dYᵀ·op(A) when B is stored transposed (a linear layer's weight).
            context.SetInputGradient(1, transB
                ? Gemm(context, dY, a, alpha, true, transA)
                : Gemm(context, a, dY, alpha, !transA, false));
        }
        if (context.NeedsGradient(2))
        {
            string reduced = context.ReduceTo(dY, context.OutputShape, context.InputShape(2));
            context.SetInputGradient(2, beta == 1f ? reduced : context.Emit("Mul", [reduced, context.Scalar(beta)]));
        }
    }

    private static string Gemm(GradientContext context, string left, string right, float alpha, bool transLeft, bool transRight) =>
        context.Emit("Gemm", [left, right],
            OnnxAttributes.Float("alpha", alpha),
            OnnxAttributes.Int("transA", transLeft ? 1 : 0),
            OnnxAttributes.Int("transB", transRight ? 1 : 0));
}
