namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = X flattened to 2-D: dX = dY reshaped back to X's runtime shape.</summary>
public sealed class FlattenGradient : GradientRule
{
    public override string OpType => "Flatten";

    public override void Emit(GradientContext context) =>
        context.SetInputGradient(0, context.Emit("Reshape", [context.OutputGradient, context.ShapeOf(context.Input(0))]));
}
