namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = X: dX = dY, no node emitted.</summary>
public sealed class IdentityGradient : GradientRule
{
    public override string OpType => "Identity";

    public override void Emit(GradientContext context) => context.SetInputGradient(0, context.OutputGradient);
}
