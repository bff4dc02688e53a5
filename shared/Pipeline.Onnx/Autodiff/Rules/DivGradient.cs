namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = A / B element-wise with broadcasting: dA = dY / B and dB = −dY·Y / B, each summed over its broadcast axes.</summary>
public sealed class DivGradient : GradientRule
{
    public override string OpType => "Div";

    public override void Emit(GradientContext context)
    {
        string dY = context.OutputGradient, b = context.Input(1);
        if (context.NeedsGradient(0))
        {
            context.SetInputGradient(0, context.ReduceTo(context.Emit("Div", [dY, b]), context.OutputShape, context.InputShape(0)));
        }
        if (context.NeedsGradient(1))
        {
            // −dY·A/B² written as −dY·Y/B, reusing the forward quotient.
            string scaled = context.Emit("Div", [context.Emit("Mul", [dY, context.Output]), b]);
            context.SetInputGradient(1, context.Emit("Neg", [context.ReduceTo(scaled, context.OutputShape, context.InputShape(1))]));
        }
    }
}
