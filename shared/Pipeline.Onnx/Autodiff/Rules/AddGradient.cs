namespace Pipeline.Onnx.Autodiff.Rules;

/// <summary>Y = A + B with broadcasting: each operand's gradient is dY summed over the axes it was broadcast along.</summary>
public sealed class AddGradient : GradientRule
{
    public override string OpType => "Add";

    /// <summary>Either operand may be a bias added after a MatMul.</summary>
    public override IReadOnlySet<int> ParameterInputs { get; } = new HashSet<int> { 0, 1 };

    public override void Emit(GradientContext context)
    {
        for (int input = 0; input < 2; input++)
        {
            if (context.NeedsGradient(input))
            {
                context.SetInputGradient(input, context.ReduceTo(context.OutputGradient, context.OutputShape, context.InputShape(input)));
            }
        }
    }
}
