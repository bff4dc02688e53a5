using Onnx;

namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// Softmax cross-entropy with label smoothing (Szegedy et al. 2016, section 7), averaged over the batch, written in
/// standard operators together with its gradient with respect to the logits.
/// </summary>
/// <remarks>
/// <para>With logits z [N, C], labels y [N] (int64) and smoothing ε, the target is q = (1 − ε)·onehot(y) + ε/C and
/// the loss L = −(1/N) Σ_n Σ_c q[n, c]·log softmax(z)[n, c], PyTorch's <c>cross_entropy(label_smoothing = ε)</c>.
/// Its gradient is dL/dz = (softmax(z) − q)/N, emitted directly rather than through LogSoftmax's own rule.</para>
/// <para>The one-hot is <c>Cast(Equal(Unsqueeze(y, 1), [0 … C−1]))</c>: ONNX Runtime's CPU build has no OneHot for
/// every type. A label outside [0, C) would make an all-zero row, so callers check labels before feeding them.</para>
/// </remarks>
public sealed class SoftmaxCrossEntropyLoss
{
    /// <param name="classCount">C, at least 2.</param>
    /// <param name="labelSmoothing">ε in [0, 1): the probability mass spread evenly over all classes; 0 is plain cross-entropy.</param>
    /// <exception cref="ArgumentOutOfRangeException">C below 2 or ε outside [0, 1).</exception>
    public SoftmaxCrossEntropyLoss(int classCount, double labelSmoothing)
    {
        if (classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"A classifier needs at least 2 classes, not {classCount}.");
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing,
                $"Label smoothing is a probability mass in [0, 1), not {labelSmoothing}.");
        }
        ClassCount = classCount;
        LabelSmoothing = labelSmoothing;
    }

    public int ClassCount { get; }

    public double LabelSmoothing { get; }

    /// <summary>
    /// Emits the mean loss (a float32 scalar) of <paramref name="logits"/> [N, C] against <paramref name="labels"/>
    /// int64 [N], and, when <paramref name="withGradient"/>, its gradient with respect to the logits, [N, C].
    /// </summary>
    public (string Loss, string? LogitsGradient) Emit(OnnxGraphBuilder builder, string logits, string labels, bool withGradient)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string classes = builder.AddInt64Initializer("loss/classes", Enumerable.Range(0, ClassCount).Select(c => (long)c).ToArray(), ClassCount);
        string column = builder.AddNode("Unsqueeze", "loss/labels_column", [labels, builder.AddInt64Initializer("loss/axis1", [1L], 1)]);
        string oneHot = builder.AddNode("Cast", "loss/one_hot", [builder.AddNode("Equal", "loss/equal", [column, classes])],
            [OnnxAttributes.Int("to", (long)TensorProto.Types.DataType.Float)]);
        string target = oneHot;
        if (LabelSmoothing > 0)
        {
            // q = (1 − ε)·onehot + ε/C
            string kept = builder.AddNode("Mul", "loss/smooth_keep", [oneHot, builder.AddInitializer("loss/keep", [(float)(1 - LabelSmoothing)])]);
            target = builder.AddNode("Add", "loss/smooth_spread", [kept, builder.AddInitializer("loss/spread", [(float)(LabelSmoothing / ClassCount)])]);
        }
        string logProbabilities = builder.AddNode("LogSoftmax", "loss/log_softmax", [logits], [OnnxAttributes.Int("axis", 1)]);
        string count = builder.AddNode("Cast", "loss/batch_size", [builder.AddNode("Size", "loss/size", [labels])],
            [OnnxAttributes.Int("to", (long)TensorProto.Types.DataType.Float)]);
        string total = builder.AddNode("ReduceSum", "loss/sum", [builder.AddNode("Mul", "loss/weighted", [target, logProbabilities])],
            [OnnxAttributes.Int("keepdims", 0)]);
        string loss = builder.AddNode("Div", "loss/mean", [builder.AddNode("Neg", "loss/negate", [total]), count]);
        if (!withGradient)
        {
            return (loss, null);
        }
        string probabilities = builder.AddNode("Exp", "loss/grad/softmax", [logProbabilities]);
        string gradient = builder.AddNode("Div", "loss/grad/mean", [builder.AddNode("Sub", "loss/grad/residual", [probabilities, target]), count]);
        return (loss, gradient);
    }
}
