namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = max(X, 0): dX = dY where X &gt; 0, else 0 (the subgradient 0 at X = 0, as PyTorch takes it).</summary>
public sealed class ReluGradient : GradientRule
{
    public override string OpType => "Relu";

    public override void Emit(GradientContext context)
    {
        string positive = context.Emit("Greater", [context.Input(0), context.Scalar(0f)]);
        context.SetInputGradient(0, context.Emit("Where", [positive, context.OutputGradient, context.Scalar(0f)]));
    }
}
