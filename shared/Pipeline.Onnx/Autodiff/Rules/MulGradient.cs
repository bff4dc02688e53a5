namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = A·B element-wise with broadcasting: dA = dY·B and dB = dY·A, each summed over its broadcast axes.</summary>
public sealed class MulGradient : GradientRule
{
    public override string OpType => "Mul";

    public override void Emit(GradientContext context)
    {
        for (int input = 0; input < 2; input++)
        {
            if (context.NeedsGradient(input))
            {
                string product = context.Emit("Mul", [context.OutputGradient, context.Input(1 - input)]);
                context.SetInputGradient(input, context.ReduceTo(product, context.OutputShape, context.InputShape(input)));
            }
        }
    }
}
