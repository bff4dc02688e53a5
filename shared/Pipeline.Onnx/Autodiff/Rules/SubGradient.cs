namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = A − B with broadcasting: dA = dY and dB = −dY, each summed over the axes its operand was broadcast along.</summary>
public sealed class SubGradient : GradientRule
{
    public override string OpType => "Sub";

    public override void Emit(GradientContext context)
    {
        if (context.NeedsGradient(0))
        {
            context.SetInputGradient(0, context.ReduceTo(context.OutputGradient, context.OutputShape, context.InputShape(0)));
        }
        if (context.NeedsGradient(1))
        {
            string reduced = context.ReduceTo(context.OutputGradient, context.OutputShape, context.InputShape(1));
            context.SetInputGradient(1, context.Emit("Neg", [reduced]));
        }
    }
}
