using Onnx;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Training.Encoders;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training.Export;

/// <summary>
/// Translates an encoder, module by module, into an ONNX graph of standard opset-17 operators that computes what the
/// encoder computes in eval mode: <c>pixels</c> float32 [N, C, H, W] in [0, 1] → <c>embedding</c> float32 [N, D].
/// </summary>
/// <remarks>
/// The walk goes by module type over <c>named_children</c>, never by guessing from names; a module type without a
/// mapping here stops the export with its path and type. Batch norm is folded into the convolution before it, in
/// double precision, with its running statistics (eval mode). The input normalisation stays a Sub and a Div in the
/// graph: folding it into the first convolution would be wrong at the zero-padded border.
/// </remarks>
public static class EncoderOnnxGraph
{
    /// <summary>The graph input: pixels in [0, 1], float32 [N, C, H, W].</summary>
    public const string PixelsInput = "pixels";

    /// <summary>The graph output: the representation h, float32 [N, D].</summary>
    public const string EmbeddingOutput = "embedding";

    private const string RootPath = "(the encoder)";

    public static ModelProto Build(Encoder encoder) => Build(encoder, head: null);

    /// <summary>
    /// The encoder followed by a linear classification <paramref name="head"/> on its embedding: outputs
    /// <c>embedding</c>, <c>logits</c> and <c>probabilities</c>, the contract of a fine-tuned <c>inference_model.onnx</c>.
    /// </summary>
    public static ModelProto BuildClassifier(Encoder encoder, Linear head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Build(encoder, head);
    }

    private static ModelProto Build(Encoder encoder, Linear? head)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        EncoderSpec spec = encoder.Spec;
        var builder = new OnnxGraphBuilder(spec.Architecture + (head is null ? "_encoder" : "_classifier"));
        string pixels = builder.AddInput(PixelsInput, spec.InputChannels, spec.InputHeight, spec.InputWidth);
        string h = WriteModule(builder, encoder, "", pixels);
        builder.AddNode("Identity", "output", [h], output: EmbeddingOutput);
        builder.AddOutput(EmbeddingOutput, spec.EmbeddingDim);
        if (head is not null)
        {
            builder.AddNode("Identity", "output/logits", [WriteLinear(builder, head, null, "classifier", EmbeddingOutput)], output: ArtifactsManifest.LogitsOutput);
            builder.AddNode("Softmax", "output/softmax", [ArtifactsManifest.LogitsOutput], [OnnxAttributes.Int("axis", 1)], output: InferenceModelComposer.ProbabilitiesOutput);
            builder.AddOutput(ArtifactsManifest.LogitsOutput, head.weight!.shape[0]);
            builder.AddOutput(InferenceModelComposer.ProbabilitiesOutput, head.weight!.shape[0]);
        }
        return builder.Build("pipeline-train", typeof(EncoderOnnxGraph).Assembly.GetName().Version?.ToString() ?? "");
    }

    private static string WriteModule(OnnxGraphBuilder builder, nn.Module module, string path, string input) => module switch
    {
        // Both encoders' forward runs their children in registration order; ResNet-18's then flattens [N, D, 1, 1].
        ConvNetEncoder => WriteChildren(builder, module, path, input),
        ResNet18Encoder => builder.AddNode("Flatten", Join(path, "flatten"), [WriteChildren(builder, module, path, input)],
            [OnnxAttributes.Int("axis", 1)]),
        // The autoencoders' encoder: its backbone, then the Linear to the latent code (a VAE's μ), which becomes a Gemm.
        LatentEncoder => WriteChildren(builder, module, path, input),
        // f, then the projection head's first layers: Linear with its BatchNorm1d folded in, ReLU.
        ProjectedEncoder => WriteChildren(builder, module, path, input),
        InputNormalization normalization => WriteNormalization(builder, normalization, path, input),
        Sequential => WriteChildren(builder, module, path, input),
        ResNetBasicBlock block => WriteBasicBlock(builder, block, path, input),
        Conv2d conv => WriteConvolution(builder, conv, null, path, input),
        BatchNorm2d => throw Unsupported(path, module,
            "batch norm is exported folded into the Conv2d just before it in the same Sequential, and there is none."),
        BatchNorm1d => throw Unsupported(path, module,
            "batch norm is exported folded into the Linear just before it in the same Sequential, and there is none."),
        ReLU => builder.AddNode("Relu", path, [input]),
        MaxPool2d pool => WriteMaxPool(builder, pool, path, input),
        AdaptiveAvgPool2d pool => pool.output_size.All(size => size == 1)
            ? builder.AddNode("GlobalAveragePool", path, [input])
            : throw Unsupported(path, module, $"only output size 1 (global average pooling) is exported, not [{string.Join(", ", pool.output_size)}]."),
        Flatten flatten => flatten.start_dim == 1 && flatten.end_dim == -1
            ? builder.AddNode("Flatten", path, [input], [OnnxAttributes.Int("axis", 1)])
            : throw Unsupported(path, module, $"only flatten(1, -1) is exported, not flatten({flatten.start_dim}, {flatten.end_dim})."),
        Linear linear => WriteLinear(builder, linear, null, path, input),
        _ => throw Unsupported(path, module, "the exporter has no mapping for this module type. Add one to EncoderOnnxGraph, or keep the module out of the encoder."),
    };

    /// <summary>
    /// The children in order, each Conv2d followed by a BatchNorm2d written as one convolution and each Linear followed
    /// by a BatchNorm1d as one Gemm.
    /// </summary>
    private static string WriteChildren(OnnxGraphBuilder builder, nn.Module module, string path, string input)
    {
        var children = module.named_children().ToArray();
        string value = input;
        for (int i = 0; i < children.Length; i++)
        {
            (string name, nn.Module child) = children[i];
            if (child is Conv2d conv && i + 1 < children.Length && children[i + 1].module is BatchNorm2d batchNorm)
            {
                value = WriteConvolution(builder, conv, batchNorm, Join(path, name), value);
                i++;
            }
            else if (child is Linear linear && i + 1 < children.Length && children[i + 1].module is BatchNorm1d linearNorm)
            {
                value = WriteLinear(builder, linear, linearNorm, Join(path, name), value);
                i++;
            }
            else
            {
                value = WriteModule(builder, child, Join(path, name), value);
            }
        }
        return value;
    }

    private static string WriteNormalization(OnnxGraphBuilder builder, InputNormalization normalization, string path, string input)
    {
        // mean and std are [1, C, 1, 1]; ONNX broadcasts them over [N, C, H, W] as torch does.
        long[] shape = normalization.Mean.shape;
        string mean = builder.AddInitializer(Join(path, "mean"), Floats(normalization.Mean), shape);
        string std = builder.AddInitializer(Join(path, "std"), Floats(normalization.Std), normalization.Std.shape);
        string centred = builder.AddNode("Sub", Join(path, "sub"), [input, mean]);
        return builder.AddNode("Div", Join(path, "div"), [centred, std]);
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut the identity or a 1×1 conv with batch norm.</summary>
    private static string WriteBasicBlock(OnnxGraphBuilder builder, ResNetBasicBlock block, string path, string input)
    {
        // The block's forward is not a chain of its children, so its parts are read by their state-dict keys.
        var children = block.named_children().ToDictionary(child => child.name, child => child.module);
        string[] known = ["conv1", "bn1", "conv2", "bn2", "shortcut"];
        foreach ((string name, nn.Module child) in children)
        {
            if (!known.Contains(name))
            {
                throw Unsupported(Join(path, name), child, $"{nameof(ResNetBasicBlock)} is exported as conv1, bn1, conv2, bn2 and shortcut; this part is unknown.");
            }
        }
        string residual = WriteConvolution(builder, Child<Conv2d>(children, path, "conv1"), Child<BatchNorm2d>(children, path, "bn1"),
            Join(path, "conv1"), input);
        residual = builder.AddNode("Relu", Join(path, "relu1"), [residual]);
        residual = WriteConvolution(builder, Child<Conv2d>(children, path, "conv2"), Child<BatchNorm2d>(children, path, "bn2"),
            Join(path, "conv2"), residual);
        string identity = children.TryGetValue("shortcut", out nn.Module? shortcut)
            ? WriteModule(builder, shortcut, Join(path, "shortcut"), input)
            : input;
        string sum = builder.AddNode("Add", Join(path, "add"), [residual, identity]);
        return builder.AddNode("Relu", Join(path, "relu2"), [sum]);
    }

    private static string WriteConvolution(OnnxGraphBuilder builder, Conv2d conv, BatchNorm2d? batchNorm, string path, string input)
    {
        if (conv.transposed)
        {
            throw Unsupported(path, conv, "transposed convolutions are not exported.");
        }
        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw Unsupported(path, conv, $"only zero padding is exported, not {conv.padding_mode}.");
        }
        long[] padding = conv.padding
            ?? throw Unsupported(path, conv, $"padding given as '{conv.padding_type}' is not exported; give the padding in pixels.");
        long[] weightShape = conv.weight.shape;
        List<string> inputs = WeightInputs(builder, conv, conv.weight, conv.bias, batchNorm, path, input);
        // ONNX pads are [top, left, bottom, right]: torch pads both sides of each spatial axis alike.
        return builder.AddNode("Conv", path, inputs,
        [
            OnnxAttributes.Ints("kernel_shape", weightShape[2..]),
            OnnxAttributes.Ints("strides", conv.stride),
            OnnxAttributes.Ints("pads", [.. padding, .. padding]),
            OnnxAttributes.Ints("dilations", conv.dilation),
            OnnxAttributes.Int("group", conv.groups),
        ]);
    }

    /// <summary>
    /// A convolution's or linear layer's node inputs: <paramref name="input"/>, its weight and its bias (if any) as
    /// initializers, with an eval-mode <paramref name="batchNorm"/> after it folded into both.
    /// </summary>
    private static List<string> WeightInputs(OnnxGraphBuilder builder, nn.Module layer, Tensor weight, Tensor? bias, BatchNorm? batchNorm,
        string path, string input)
    {
        (float[] weights, float[]? biases) = batchNorm is null
            ? (Floats(weight), bias is null ? null : Floats(bias))
            : FoldBatchNorm(weight, bias, batchNorm, layer, path);
        var inputs = new List<string> { input, builder.AddInitializer(Join(path, "weight"), weights, weight.shape) };
        if (biases is not null)
        {
            inputs.Add(builder.AddInitializer(Join(path, "bias"), biases, biases.Length));
        }
        return inputs;
    }

    /// <summary>
    /// Eval-mode batch norm after a convolution or a linear layer, as new weights and bias: with s = γ / √(σ² + ε),
    /// W' = W·s per output channel and b' = (b − μ)·s + β. Computed in double, rounded to float once.
    /// </summary>
    private static (float[] Weights, float[] Bias) FoldBatchNorm(Tensor layerWeight, Tensor? layerBias, BatchNorm batchNorm, nn.Module layer,
        string layerPath)
    {
        if (!batchNorm.track_running_stats || batchNorm.running_mean is null || batchNorm.running_var is null)
        {
            throw Unsupported(layerPath, batchNorm, "batch norm without running statistics normalises with each batch's own, which a fixed graph cannot do.");
        }
        double[] weight = Doubles(layerWeight);
        long outChannels = layerWeight.shape[0];
        if (batchNorm.num_features != outChannels)
        {
            throw Unsupported(layerPath, batchNorm, $"batch norm over {batchNorm.num_features} channels follows a {layer.GetType().Name} with {outChannels}.");
        }
        double[] bias = layerBias is null ? new double[outChannels] : Doubles(layerBias);
        double[] mean = Doubles(batchNorm.running_mean);
        double[] variance = Doubles(batchNorm.running_var);
        double[]? gamma = batchNorm.weight is null ? null : Doubles(batchNorm.weight);
        double[]? beta = batchNorm.bias is null ? null : Doubles(batchNorm.bias);

        int perChannel = (int)(weight.Length / outChannels);
        var foldedWeights = new float[weight.Length];
        var foldedBias = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            double scale = (gamma?[o] ?? 1.0) / Math.Sqrt(variance[o] + batchNorm.eps);
            for (int k = 0; k < perChannel; k++)
            {
                foldedWeights[o * perChannel + k] = (float)(weight[o * perChannel + k] * scale);
            }
            foldedBias[o] = (float)((bias[o] - mean[o]) * scale + (beta?[o] ?? 0.0));
        }
        return (foldedWeights, foldedBias);
    }

    private static string WriteMaxPool(OnnxGraphBuilder builder, MaxPool2d pool, string path, string input)
    {
        // Null stride, padding or dilation mean what they mean to torch's max_pool2d: the kernel size, 0 and 1.
        long[] kernel = pool.kernel_size;
        long[] padding = pool.padding ?? [0, 0];
        return builder.AddNode("MaxPool", path, [input],
        [
            OnnxAttributes.Ints("kernel_shape", kernel),
            OnnxAttributes.Ints("strides", pool.stride ?? kernel),
            OnnxAttributes.Ints("pads", [.. padding, .. padding]),
            OnnxAttributes.Ints("dilations", pool.dilation ?? [1, 1]),
            OnnxAttributes.Int("ceil_mode", pool.ceil_mode ? 1 : 0),
        ]);
    }

    /// <summary>
    /// y = x·Wᵀ + b as Gemm with transB, W being [out, in] as torch stores it; an eval-mode batch norm after it folded in.
    /// </summary>
    private static string WriteLinear(OnnxGraphBuilder builder, Linear linear, BatchNorm1d? batchNorm, string path, string input)
    {
        List<string> inputs = WeightInputs(builder, linear, linear.weight, linear.bias, batchNorm, path, input);
        return builder.AddNode("Gemm", path, inputs, [OnnxAttributes.Int("transB", 1)]);
    }

    private static T Child<T>(Dictionary<string, nn.Module> children, string path, string name) where T : nn.Module =>
        children.TryGetValue(name, out nn.Module? child)
            ? child as T ?? throw Unsupported(Join(path, name), child, $"expected a {typeof(T).Name} here.")
            : throw new UnsupportedModuleException(Join(path, name), typeof(T), "this part of the block is missing.");

    private static float[] Floats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    private static double[] Doubles(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().cpu().to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static UnsupportedModuleException Unsupported(string path, nn.Module module, string reason) =>
        new(path.Length == 0 ? RootPath : path, module.GetType(), reason);
}
