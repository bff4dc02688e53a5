using Onnx;

namespace Pipeline.Onnx.Autodiff;

/// <summary>
/// Static shapes of the values of a graph of the operators image encoders and heads are made of, with the batch
/// dimension dynamic (<see cref="OnnxGraphBuilder.DynamicDimension"/>): what the gradient rules need to know about
/// broadcasting, padding and pooling, and what the frozen prefix's output declares.
/// </summary>
/// <remarks>
/// Shapes already known (graph inputs, initializers, a model's <c>value_info</c>) are kept; a node whose outputs are
/// unknown and whose operator is not listed here stops inference with the node named, so that no rule ever works from a
/// guessed shape.
/// </remarks>
public static class ShapeInference
{
    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "Identity", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Neg", "Exp", "Log", "Sqrt", "Abs", "Clip", "Softmax",
        "LogSoftmax", "BatchNormalization", "Dropout", "Cast", "Erf", "HardSigmoid", "Elu", "Selu",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Greater", "Less",
    };

    /// <summary>
    /// Infers the shapes of the outputs of <paramref name="nodes"/> (in topological order) into
    /// <paramref name="shapes"/>, which holds the known ones; <paramref name="constants"/> gives the values of the
    /// initializers, which Reshape reads its target shape from.
    /// </summary>
    /// <exception cref="InvalidDataException">A node's output shape cannot be inferred; the message names the node.</exception>
    public static void Infer(IEnumerable<NodeProto> nodes, IDictionary<string, long[]> shapes,
        IReadOnlyDictionary<string, TensorProto> constants)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentNullException.ThrowIfNull(constants);
        foreach (NodeProto node in nodes)
        {
            if (node.Output.Where(output => output.Length > 0).All(shapes.ContainsKey))
            {
                continue;
            }
            long[] shape = OutputShape(node, shapes, constants);
            shapes[node.Output[0]] = shape;
        }
    }

    /// <summary>The shapes of a model's graph inputs, initializers and <c>value_info</c> entries, batch dimensions dynamic.</summary>
    public static Dictionary<string, long[]> Declared(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (TensorProto initializer in graph.Initializer)
        {
            shapes[initializer.Name] = initializer.Dims.ToArray();
        }
        foreach (ValueInfoProto value in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
        {
            if (value.Type?.TensorType?.Shape is { } shape && !shapes.ContainsKey(value.Name))
            {
                shapes[value.Name] = shape.Dim.Select(dim => dim.HasDimValue ? dim.DimValue : OnnxGraphBuilder.DynamicDimension).ToArray();
            }
        }
        return shapes;
    }

    /// <summary>The shape two operands broadcast to (NumPy rules), a dynamic dimension meeting 1 staying dynamic.</summary>
    public static long[] Broadcast(long[] a, long[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int rank = Math.Max(a.Length, b.Length);
        long[] result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            long y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            result[i] = x == 1 ? y : y == 1 ? x : x == OnnxGraphBuilder.DynamicDimension ? y : x;
            if (x > 1 && y > 1 && x != y)
            {
                throw new InvalidDataException($"Shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}] do not broadcast.");
            }
        }
        return result;
    }

    private static long[] OutputShape(NodeProto node, IDictionary<string, long[]> shapes, IReadOnlyDictionary<string, TensorProto> constants)
    {
        long[] Input(int index) =>
            index < node.Input.Count && shapes.TryGetValue(node.Input[index], out long[]? shape)
                ? shape
                : throw new InvalidDataException(
                    $"The shape of '{(index < node.Input.Count ? node.Input[index] : "?")}', input {index} of {node.OpType} node '{node.Name}', is unknown.");

        switch (node.OpType)
        {
            case var op when SameShape.Contains(op):
                return Input(0);
            case "Where":
                return Broadcast(Broadcast(Input(0), Input(1)), Input(2));
            case var op when Broadcasting.Contains(op):
                return node.Input.Skip(1).Select((_, i) => Input(i + 1)).Aggregate(Input(0), Broadcast);
            case "Conv":
            {
                long[] x = Input(0), w = Input(1);
                SlidingWindow window = SlidingWindow.Of(node, x[2..], w[2..]);
                return [x[0], w[0], .. window.Output];
            }
            case "MaxPool" or "AveragePool":
            {
                long[] x = Input(0);
                long[] kernel = OnnxAttributes.GetInts(node, "kernel_shape")
                    ?? throw new InvalidDataException($"{node.OpType} node '{node.Name}' has no kernel_shape.");
                return [x[0], x[1], .. SlidingWindow.Of(node, x[2..], kernel).Output];
            }
            case "GlobalAveragePool" or "GlobalMaxPool":
            {
                long[] x = Input(0);
                return [x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)];
            }
            case "Flatten":
            {
                long[] x = Input(0);
                long axis = OnnxAttributes.GetInt(node, "axis", 1);
                axis = axis < 0 ? axis + x.Length : axis;
                return [Product(x[..(int)axis]), Product(x[(int)axis..])];
            }
            case "Reshape":
                return Reshape(node, Input(0), constants);
            case "Gemm":
            {
                long[] a = Input(0), b = Input(1);
                bool transA = OnnxAttributes.GetInt(node, "transA", 0) != 0, transB = OnnxAttributes.GetInt(node, "transB", 0) != 0;
                return [transA ? a[1] : a[0], transB ? b[0] : b[1]];
            }
            case "MatMul":
            {
                long[] a = Input(0), b = Input(1);
                if (a.Length < 2 || b.Length < 2)
                {
                    break;
                }
                long[] batch = Broadcast(a[..^2], b[..^2]);
                return [.. batch, a[^2], b[^1]];
            }
            case "Transpose":
            {
                long[] x = Input(0);
                long[] perm = OnnxAttributes.GetInts(node, "perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
                return perm.Select(axis => x[axis]).ToArray();
            }
        }
        throw new InvalidDataException(
            $"Cannot infer the output shape of {node.OpType} node '{node.Name}': the fine-tune generator knows the shapes of "
            + "Conv, pools, Gemm, MatMul, Flatten, Reshape, Transpose, element-wise and activation operators. Give the model "
            + "its value_info (python3 -c \"import onnx; onnx.save(onnx.shape_inference.infer_shapes(onnx.load('in.onnx')), 'out.onnx')\").");
    }

    private static long[] Reshape(NodeProto node, long[] input, IReadOnlyDictionary<string, TensorProto> constants)
    {
        if (node.Input.Count < 2 || !constants.TryGetValue(node.Input[1], out TensorProto? target))
        {
            throw new InvalidDataException(
                $"Reshape node '{node.Name}' takes its shape from '{(node.Input.Count > 1 ? node.Input[1] : "")}', which is computed, not a constant: give the model its value_info.");
        }
        long[] shape = target.Int64Data.Count > 0 ? target.Int64Data.ToArray() : Int64sFromRaw(target);
        long[] result = new long[shape.Length];
        int inferred = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            result[i] = shape[i] == 0 ? input[i] : shape[i];
            if (shape[i] == -1)
            {
                inferred = i;
            }
        }
        if (inferred >= 0)
        {
            // With a dynamic input dimension not copied through by a 0, the inferred one is the dynamic one.
            bool dynamicCopied = Enumerable.Range(0, shape.Length).Any(i => shape[i] == 0 && input[i] == OnnxGraphBuilder.DynamicDimension);
            if (input.Contains(OnnxGraphBuilder.DynamicDimension) && !dynamicCopied)
            {
                result[inferred] = OnnxGraphBuilder.DynamicDimension;
            }
            else
            {
                long known = result.Where((_, i) => i != inferred).Where(d => d != OnnxGraphBuilder.DynamicDimension).Aggregate(1L, (p, d) => p * d);
                long total = input.Where(d => d != OnnxGraphBuilder.DynamicDimension).Aggregate(1L, (p, d) => p * d);
                result[inferred] = total / known;
            }
        }
        return result;
    }

    private static long[] Int64sFromRaw(TensorProto tensor)
    {
        byte[] raw = tensor.RawData.ToByteArray();
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw).ToArray();
    }

    private static long Product(long[] dims) =>
        dims.Contains(OnnxGraphBuilder.DynamicDimension) ? OnnxGraphBuilder.DynamicDimension : dims.Aggregate(1L, (p, d) => p * d);
}
