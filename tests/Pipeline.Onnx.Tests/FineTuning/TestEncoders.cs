using Onnx;

namespace Pipeline.Onnx.Tests.FineTuning;

/// <summary>
/// Small embedding models (pixels [N, 1, 8, 8] → embedding [N, D]) with seeded random weights and the full
/// <c>pipeline.*</c> metadata, shaped like the exporter's: the convnet's last block, a residual block, batch norm
/// left unfolded (a foreign model's), a MaxPool inside the last block.
/// </summary>
internal static class TestEncoders
{
    public const int Side = 8;

    /// <summary>normalise → conv1 → relu → maxpool → conv2 → relu → global average pool → flatten: the exported convnet's layout.</summary>
    public static ModelProto ConvNet(int seed = 1)
    {
        var net = new Net(seed);
        string x = net.Normalise();
        x = net.Builder.AddNode("Relu", "features.relu1", [net.Conv("features.conv1", x, 1, 4)]);
        x = net.Builder.AddNode("MaxPool", "features.pool1", [x],
            [OnnxAttributes.Ints("kernel_shape", [2, 2]), OnnxAttributes.Ints("strides", [2, 2]), OnnxAttributes.Ints("pads", [0, 0, 0, 0])]);
        x = net.Builder.AddNode("Relu", "features.relu2", [net.Conv("features.conv2", x, 4, 6)]);
        return net.Finish(net.Pool(x), 6);
    }

    /// <summary>stem conv → relu → [conv → relu → conv → + stem → relu] → pool: ResNet's basic block with an identity shortcut.</summary>
    public static ModelProto Residual(int seed = 2)
    {
        var net = new Net(seed);
        string stem = net.Builder.AddNode("Relu", "stem.relu", [net.Conv("stem.conv", net.Normalise(), 1, 4)]);
        string x = net.Builder.AddNode("Relu", "layer1.0.relu1", [net.Conv("layer1.0.conv1", stem, 4, 4)]);
        x = net.Conv("layer1.0.conv2", x, 4, 4);
        x = net.Builder.AddNode("Add", "layer1.0.add", [x, stem]);
        x = net.Builder.AddNode("Relu", "layer1.0.relu2", [x]);
        return net.Finish(net.Pool(x), 4);
    }

    /// <summary>conv (no bias) → batch norm (inference mode) → relu → pool → Gemm 4 → 5: a foreign model's unfolded batch norm and a linear layer.</summary>
    public static ModelProto BatchNormAndLinear(int seed = 3)
    {
        var net = new Net(seed);
        string x = net.Conv("conv", net.Normalise(), 1, 4, bias: false);
        x = net.Builder.AddNode("BatchNormalization", "bn", [x,
            net.Weights("bn.weight", [4], 0.5, 1.5), net.Weights("bn.bias", [4], -0.5, 0.5),
            net.Weights("bn.running_mean", [4], -0.2, 0.2), net.Weights("bn.running_var", [4], 0.5, 2)],
            [OnnxAttributes.Float("epsilon", 1e-5f)]);
        x = net.Builder.AddNode("Relu", "relu", [x]);
        x = net.Builder.AddNode("Gemm", "fc", [net.Pool(x), net.Weights("fc.weight", [5, 4], -0.5, 0.5), net.Weights("fc.bias", [5], -0.1, 0.1)],
            [OnnxAttributes.Int("transB", 1)]);
        return net.Finish(x, 5);
    }

    /// <summary>conv → relu → a 2×2 stride-2 pooling of <paramref name="opType"/> (MaxPool, AveragePool) → pool: a pooling layer inside the last convolutional block.</summary>
    public static ModelProto PoolInLastBlock(string opType, int seed = 4)
    {
        var net = new Net(seed);
        string x = net.Builder.AddNode("Relu", "block.relu", [net.Conv("block.conv", net.Normalise(), 1, 4)]);
        x = net.Builder.AddNode(opType, "block.pool", [x], [OnnxAttributes.Ints("kernel_shape", [2, 2]), OnnxAttributes.Ints("strides", [2, 2])]);
        return net.Finish(net.Pool(x), 4);
    }

    public static EmbeddingModelMetadata Metadata(int embeddingDim) => new()
    {
        Method = "simclr",
        Encoder = "test",
        Channels = 1,
        Height = Side,
        Width = Side,
        ChannelOrder = "grey",
        EmbeddingDim = embeddingDim,
        Mean = [0.25f],
        Std = [0.5f],
        Dataset = "folder:/tests",
        Metrics = new Dictionary<string, double>(),
        SourceRun = "runs/test",
        SourceCheckpoint = "step-1.safetensors",
        CheckpointSha256 = new string('b', 64),
        CreatedUtc = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        ParityMaxAbsDiff = 0,
    };

    /// <summary>Seeded pixels in [0, 1], [count, 1, 8, 8].</summary>
    public static float[] Pixels(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * Side * Side).Select(_ => (float)random.NextDouble()).ToArray();
    }

    private sealed class Net(int seed)
    {
        private readonly Random _random = new(seed);

        public OnnxGraphBuilder Builder { get; } = new("test_encoder");

        public string Normalise()
        {
            string pixels = Builder.AddInput("pixels", 1, Side, Side);
            string centred = Builder.AddNode("Sub", "normalization.sub", [pixels, Builder.AddInitializer("normalization.mean", [0.25f], 1, 1, 1, 1)]);
            return Builder.AddNode("Div", "normalization.div", [centred, Builder.AddInitializer("normalization.std", [0.5f], 1, 1, 1, 1)]);
        }

        public string Conv(string name, string input, int inChannels, int outChannels, bool bias = true)
        {
            double bound = 1 / Math.Sqrt(inChannels * 9);
            var inputs = new List<string> { input, Weights(name + ".weight", [outChannels, inChannels, 3, 3], -bound, bound) };
            if (bias)
            {
                inputs.Add(Weights(name + ".bias", [outChannels], -0.1, 0.1));
            }
            return Builder.AddNode("Conv", name, inputs,
                [OnnxAttributes.Ints("kernel_shape", [3, 3]), OnnxAttributes.Ints("pads", [1, 1, 1, 1]), OnnxAttributes.Ints("strides", [1, 1])]);
        }

        public string Weights(string name, long[] shape, double low, double high)
        {
            long count = shape.Aggregate(1L, (p, d) => p * d);
            float[] values = Enumerable.Range(0, (int)count).Select(_ => (float)(low + _random.NextDouble() * (high - low))).ToArray();
            return Builder.AddInitializer(name, values, shape);
        }

        public string Pool(string input) =>
            Builder.AddNode("Flatten", "flatten", [Builder.AddNode("GlobalAveragePool", "pool", [input])], [OnnxAttributes.Int("axis", 1)]);

        public ModelProto Finish(string h, int dim)
        {
            Builder.AddNode("Identity", "output", [h], output: "embedding");
            Builder.AddOutput("embedding", dim);
            ModelProto model = Builder.Build("tests", "1");
            Metadata(dim).WriteTo(model);
            return model;
        }
    }
}
