namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>
/// Y = A·B with A [..., M, K] and a matrix B [K, N] (a linear layer written as MatMul, batched or not):
/// dA = dY·Bᵀ, dB = Σ over the leading axes of Aᵀ·dY. Batched B (attention-style products) is refused.
/// </summary>
public sealed class MatMulGradient : GradientRule
{
    public override string OpType => "MatMul";

    /// <summary>B, the weight of a linear layer written as MatMul.</summary>
    public override IReadOnlySet<int> ParameterInputs { get; } = new HashSet<int> { 1 };

    public override void Emit(GradientContext context)
    {
        long[] a = context.InputShape(0), b = context.InputShape(1);
        if (a.Length < 2 || b.Length != 2)
        {
            throw context.Unsupported(
                $"its rule covers A [..., M, K] times a matrix B [K, N], and this node multiplies [{string.Join(", ", a)}] by [{string.Join(", ", b)}].");
        }
        string dY = context.OutputGradient;
        if (context.NeedsGradient(0))
        {
            string bTransposed = context.Emit("Transpose", [context.Input(1)], OnnxAttributes.Ints("perm", [1, 0]));
            context.SetInputGradient(0, context.Emit("MatMul", [dY, bTransposed]));
        }
        if (context.NeedsGradient(1))
        {
            // Fold A's leading axes into its rows: [P, K]ᵀ·[P, N] sums the per-row outer products over them.
            string rows = a.Length == 2 ? context.Input(0) : context.Emit("Reshape", [context.Input(0), context.Int64s(-1, b[0])]);
            string gradientRows = a.Length == 2 ? dY : context.Emit("Reshape", [dY, context.Int64s(-1, b[1])]);
            context.SetInputGradient(1, context.Emit("Gemm", [rows, gradientRows], OnnxAttributes.Int("transA", 1)));
        }
    }
}
