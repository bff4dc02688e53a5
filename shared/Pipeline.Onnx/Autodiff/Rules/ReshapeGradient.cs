namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = X reshaped: dX = dY reshaped back to X's runtime shape; the target shape (int64) has no gradient.</summary>
public sealed class ReshapeGradient : GradientRule
{
    public override string OpType => "Reshape";

    public override void Emit(GradientContext context) =>
        context.SetInputGradient(0, context.Emit("Reshape", [context.OutputGradient, context.ShapeOf(context.Input(0))]));
}
