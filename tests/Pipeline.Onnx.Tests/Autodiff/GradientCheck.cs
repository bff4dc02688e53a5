using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Pipeline.Onnx.Autodiff;

namespace Pipeline.Onnx.Tests.Autodiff;

/// <summary>One input of the node under test: a float32 graph input, or a constant when it is not differentiated.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Shape">Its runtime shape.</param>
/// <param name="Values">Its values, row-major.</param>
/// <param name="Differentiate">Whether the check differentiates with respect to it (else it is an initializer).</param>
/// <param name="DynamicBatch">Whether its first dimension is declared as the dynamic batch.</param>
internal sealed record Operand(string Name, long[] Shape, float[] Values, bool Differentiate = true, bool DynamicBatch = false);

/// <summary>
/// Checks a gradient rule against central finite differences: for one node y = f(x₁, x₂, …) and a fixed random
/// upstream gradient r, the objective L = Σ y·r (summed in double) has dL/dxᵢ equal to what the rule emits.
/// </summary>
/// <remarks>
/// The node runs in ONNX Runtime in float32, so each difference quotient carries the rounding of y divided by 2h; with
/// h = 1e-2 and the objective summed in double that is ~1e-5 of the gradient's size, far below the tolerance, while
/// a wrong rule (a transposed weight, a dropped row of padding) is off by the gradient's own size.
/// </remarks>
internal static class GradientCheck
{
    private const float Step = 1e-2f;

    /// <summary>
    /// Builds the node, differentiates it, and returns the largest difference between the rule's gradient and the
    /// finite differences over every differentiated operand, relative to the largest gradient entry.
    /// </summary>
    public static double RelativeError(string opType, IReadOnlyList<Operand> operands, IEnumerable<AttributeProto>? attributes = null,
        IReadOnlyList<(string Name, long[] Values)>? int64Inputs = null, int seed = 7)
    {
        AttributeProto[] attributeList = (attributes ?? []).ToArray();
        return RelativeError(operands, (builder, inputs) => builder.AddNode(opType, "node_under_test", inputs, attributeList), int64Inputs, seed);
    }

    /// <summary>As above, for the subgraph <paramref name="forward"/> writes from the operands' values (and the int64 constants after them) to y.</summary>
    public static double RelativeError(IReadOnlyList<Operand> operands, Func<OnnxGraphBuilder, IReadOnlyList<string>, string> forward,
        IReadOnlyList<(string Name, long[] Values)>? int64Inputs = null, int seed = 7)
    {
        (byte[] forwardModel, byte[] backward, long[] outputShape) = Build(operands, forward, int64Inputs ?? []);
        var random = new Random(seed);
        float[] upstream = Enumerable.Range(0, (int)outputShape.Aggregate(1L, (p, d) => p * d)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

        using var forwardSession = new InferenceSession(forwardModel);
        using var backwardSession = new InferenceSession(backward);
        Operand[] differentiated = operands.Where(operand => operand.Differentiate).ToArray();
        float[][] analytic = Gradients(backwardSession, differentiated, upstream, outputShape);

        double largestGradient = 0, largestError = 0;
        for (int o = 0; o < differentiated.Length; o++)
        {
            float[] values = differentiated[o].Values.ToArray();
            for (int i = 0; i < values.Length; i++)
            {
                float original = values[i];
                values[i] = original + Step;
                double plus = Objective(forwardSession, differentiated, o, values, upstream);
                values[i] = original - Step;
                double minus = Objective(forwardSession, differentiated, o, values, upstream);
                values[i] = original;
                double numeric = (plus - minus) / (2.0 * Step);
                largestGradient = Math.Max(largestGradient, Math.Abs(numeric));
                largestError = Math.Max(largestError, Math.Abs(numeric - analytic[o][i]));
            }
        }
        Assert.True(largestGradient > 0, "Every gradient is zero: the check would prove nothing.");
        return largestError / largestGradient;
    }

    private static (byte[] Forward, byte[] Backward, long[] OutputShape) Build(IReadOnlyList<Operand> operands,
        Func<OnnxGraphBuilder, IReadOnlyList<string>, string> writeForward, IReadOnlyList<(string Name, long[] Values)> int64Inputs)
    {
        long[] outputShape = [];
        byte[] Model(bool withGradient)
        {
            var builder = new OnnxGraphBuilder(withGradient ? "backward" : "forward");
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            var constants = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
            var inputs = new List<string>();
            foreach (Operand operand in operands)
            {
                long[] declared = operand.DynamicBatch ? [OnnxGraphBuilder.DynamicDimension, .. operand.Shape[1..]] : operand.Shape;
                inputs.Add(operand.Differentiate
                    ? builder.AddTensorInput(operand.Name, TensorProto.Types.DataType.Float, declared)
                    : builder.AddInitializer(operand.Name, operand.Values, operand.Shape));
                shapes[operand.Name] = declared;
            }
            foreach ((string name, long[] values) in int64Inputs)
            {
                inputs.Add(builder.AddInt64Initializer(name, values, values.Length));
                var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
                tensor.Int64Data.AddRange(values);
                tensor.Dims.Add(values.Length);
                constants[name] = tensor;
            }
            string y = builder.AddNode("Identity", "output_y", [writeForward(builder, inputs)], output: "y");
            NodeProto[] forward = builder.Nodes.ToArray();
            ShapeInference.Infer(forward, shapes, constants);
            outputShape = operands.Any(operand => operand.DynamicBatch)
                ? [operands.First(operand => operand.DynamicBatch).Shape[0], .. shapes[y][1..]]
                : shapes[y];
            if (!withGradient)
            {
                builder.AddTensorOutput(y, TensorProto.Types.DataType.Float, shapes[y]);
                return builder.Build("tests", "1").ToByteArray();
            }
            string upstream = builder.AddTensorInput("dy", TensorProto.Types.DataType.Float, shapes[y]);
            Operand[] wrt = operands.Where(operand => operand.Differentiate).ToArray();
            IReadOnlyDictionary<string, string> gradients = new ReverseModeDifferentiator(GradientRules.Standard).Differentiate(
                builder, forward, shapes, new Dictionary<string, string> { [y] = upstream }, wrt.Select(operand => operand.Name).ToArray());
            foreach (Operand operand in wrt)
            {
                string output = builder.AddNode("Identity", "emit_grad_" + operand.Name, [gradients[operand.Name]], output: "grad_" + operand.Name);
                builder.AddTensorOutput(output, TensorProto.Types.DataType.Float, shapes[operand.Name]);
            }
            return builder.Build("tests", "1").ToByteArray();
        }
        byte[] forwardModel = Model(false);
        return (forwardModel, Model(true), outputShape);
    }

    private static float[][] Gradients(InferenceSession session, Operand[] operands, float[] upstream, long[] outputShape)
    {
        var values = new List<OrtValue>();
        try
        {
            values.AddRange(operands.Select(operand => OrtValue.CreateTensorValueFromMemory(operand.Values.ToArray(), operand.Shape)));
            values.Add(OrtValue.CreateTensorValueFromMemory(upstream, outputShape));
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions,
                [.. operands.Select(operand => operand.Name), "dy"], values, operands.Select(operand => "grad_" + operand.Name).ToArray());
            for (int i = 0; i < operands.Length; i++)
            {
                Assert.Equal(operands[i].Shape, outputs[i].GetTensorTypeAndShape().Shape);
            }
            return outputs.Select(output => output.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
        finally
        {
            values.ForEach(value => value.Dispose());
        }
    }

    // Σ y·r in double, with operand `changed` replaced by `values`.
    private static double Objective(InferenceSession session, Operand[] operands, int changed, float[] values, float[] upstream)
    {
        var inputs = operands.Select((operand, i) => OrtValue.CreateTensorValueFromMemory(i == changed ? values : operand.Values, operand.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, operands.Select(operand => operand.Name).ToArray(), inputs, ["y"]);
            ReadOnlySpan<float> y = outputs[0].GetTensorDataAsSpan<float>();
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += (double)y[i] * upstream[i];
            }
            return sum;
        }
        finally
        {
            inputs.ForEach(value => value.Dispose());
        }
    }

    /// <summary>Seeded values uniform in [low, high), or of magnitude in [low, high) with a random sign when <paramref name="signed"/>.</summary>
    public static float[] Values(long count, int seed, double low = -1, double high = 1, bool signed = false)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, (int)count).Select(_ =>
        {
            double magnitude = low + random.NextDouble() * (high - low);
            return (float)(signed && random.Next(2) == 0 ? -magnitude : magnitude);
        }).ToArray();
    }
}
