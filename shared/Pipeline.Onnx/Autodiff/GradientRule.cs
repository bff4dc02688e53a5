namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// How one ONNX operator passes gradients back: given the gradient of the node's output, emits standard opset-17
/// operators that compute the gradients of the inputs that need one.
/// </summary>
/// <remarks>
/// A rule is stateless and emits through the <see cref="GradientContext"/> it is handed, which knows the node, the
/// static shapes and which inputs lead to a trainable parameter. A configuration of the operator that the rule cannot
/// differentiate (a grouped convolution, batch norm in training mode…) is refused with an
/// <see cref="UnsupportedOperatorException"/> naming the node, never approximated.
/// </remarks>
public abstract class GradientRule
{
    /// <summary>The operator of the default ONNX domain this rule differentiates, such as <c>Conv</c>.</summary>
    public abstract string OpType { get; }

    /// <summary>
    /// Which inputs hold a parameter that may be trained when they are initializers (a Conv's weight and bias, a batch
    /// norm's scale and bias); empty for operators without parameters.
    /// </summary>
    public virtual IReadOnlySet<int> ParameterInputs { get; } = new HashSet<int>();

    /// <summary>Emits the gradients of the node's inputs for which <see cref="GradientContext.NeedsGradient"/> is true.</summary>
    public abstract void Emit(GradientContext context);
}
