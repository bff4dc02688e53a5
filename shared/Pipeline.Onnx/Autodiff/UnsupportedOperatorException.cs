using Pipeline.Errors;

namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// Thrown when a gradient has to flow through a node that no <see cref="GradientRule"/> covers, or that its rule
/// cannot differentiate as configured; the message names the operator and the node. A user error: the model given
/// holds what fine-tuning cannot train through.
/// </summary>
public sealed class UnsupportedOperatorException : UserErrorException
{
    public UnsupportedOperatorException(string opType, string nodeName, string message) : base(message)
    {
        OpType = opType;
        NodeName = nodeName;
    }

    /// <summary>The operator, such as <c>MaxPool</c>.</summary>
    public string OpType { get; }

    /// <summary>The node's name in its graph.</summary>
    public string NodeName { get; }
}
