using Google.Protobuf;
using Onnx;
using Pipeline.Onnx;

namespace Pipeline.Inference.Tests;

/// <summary>
/// A small, real embedding model for tests, written with <see cref="OnnxGraphBuilder"/>: normalise, Conv 3x3 (pad 1),
/// Relu, GlobalAveragePool, Flatten, Gemm, with seeded random weights and the full <c>pipeline.*</c> metadata; plus a
/// plain C# forward pass to check ONNX Runtime's results against.
/// </summary>
internal sealed class TestModel
{
    private readonly float[] _convWeight;
    private readonly float[] _convBias;
    private readonly float[] _linearWeight;
    private readonly float[] _linearBias;

    public TestModel(int channels = 1, int height = 8, int width = 8, int filters = 6, int embeddingDim = 5, int seed = 1,
        bool nanWeights = false)
    {
        Channels = channels;
        Height = height;
        Width = width;
        Filters = filters;
        EmbeddingDim = embeddingDim;
        var random = new Random(seed);
        float Draw() => (float)(random.NextDouble() * 2 - 1);
        _convWeight = Enumerable.Range(0, filters * channels * 9).Select(_ => Draw()).ToArray();
        _convBias = Enumerable.Range(0, filters).Select(_ => Draw() * 0.1f).ToArray();
        _linearWeight = Enumerable.Range(0, embeddingDim * filters).Select(_ => Draw()).ToArray();
        _linearBias = Enumerable.Range(0, embeddingDim).Select(_ => Draw() * 0.1f).ToArray();
        if (nanWeights)
        {
            _linearBias[0] = float.NaN;
        }
        Mean = Enumerable.Range(0, channels).Select(c => 0.25f + 0.1f * c).ToArray();
        Std = Enumerable.Range(0, channels).Select(c => 0.5f - 0.05f * c).ToArray();
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public int Filters { get; }

    public int EmbeddingDim { get; }

    public float[] Mean { get; }

    public float[] Std { get; }

    public int ImageSize => Channels * Height * Width;

    public EmbeddingModelMetadata Metadata => new()
    {
        Method = "simclr",
        Encoder = "test-convnet",
        Channels = Channels,
        Height = Height,
        Width = Width,
        ChannelOrder = Channels == 1 ? "grey" : "RGB",
        EmbeddingDim = EmbeddingDim,
        Mean = Mean,
        Std = Std,
        Dataset = "folder:/tests",
        Metrics = new Dictionary<string, double> { ["knn-100%"] = 0.5 },
        SourceRun = "runs/test",
        SourceCheckpoint = "step-1.safetensors",
        CheckpointSha256 = new string('a', 64),
        CreatedUtc = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        ParityMaxAbsDiff = 1e-7,
    };

    /// <summary>The ONNX model; with <paramref name="withMetadata"/> false, one no exporter of ours would write.</summary>
    public ModelProto Build(bool withMetadata = true)
    {
        var builder = new OnnxGraphBuilder("test_encoder");
        AddEncoder(builder);
        ModelProto model = builder.Build("pipeline-inference-tests", "1");
        if (withMetadata)
        {
            Metadata.WriteTo(model);
        }
        return model;
    }

    /// <summary>
    /// This encoder with a linear head on its embedding (seeded weights), as <c>pipeline-infer finetune</c> exports a
    /// classifier: outputs <c>embedding</c>, <c>logits</c> and <c>probabilities</c>, and the class names in its metadata.
    /// </summary>
    public ModelProto BuildClassifier(IReadOnlyList<string> classNames)
    {
        var builder = new OnnxGraphBuilder("test_classifier");
        string embedding = AddEncoder(builder);
        var random = new Random(Filters + EmbeddingDim);
        float[] headWeight = Enumerable.Range(0, classNames.Count * EmbeddingDim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        string weight = builder.AddInitializer("head.weight", headWeight, classNames.Count, EmbeddingDim);
        builder.AddNode("Gemm", "head", [embedding, weight], [OnnxAttributes.Int("transB", 1)], output: ClassifierMetadata.LogitsOutput);
        builder.AddNode("Softmax", "softmax", [ClassifierMetadata.LogitsOutput], [OnnxAttributes.Int("axis", 1)],
            output: ClassifierMetadata.ProbabilitiesOutput);
        builder.AddOutput(ClassifierMetadata.LogitsOutput, classNames.Count);
        builder.AddOutput(ClassifierMetadata.ProbabilitiesOutput, classNames.Count);
        ModelProto model = builder.Build("pipeline-inference-tests", "1");
        Metadata.WriteTo(model);
        new ClassifierMetadata(classNames, "{}").WriteTo(model);
        return model;
    }

    /// <summary>Writes the classifier of <see cref="BuildClassifier"/> to <paramref name="path"/> and returns the path.</summary>
    public string WriteClassifier(string path, IReadOnlyList<string> classNames)
    {
        File.WriteAllBytes(path, BuildClassifier(classNames).ToByteArray());
        return path;
    }

    // The encoder's graph, output `embedding` [N, D] included; returns the embedding's value name.
    private string AddEncoder(OnnxGraphBuilder builder)
    {
        string pixels = builder.AddInput(EmbeddingModel.InputName, Channels, Height, Width);
        string mean = builder.AddInitializer("mean", Mean, 1, Channels, 1, 1);
        string std = builder.AddInitializer("std", Std, 1, Channels, 1, 1);
        string centred = builder.AddNode("Sub", "centre", [pixels, mean]);
        string normalised = builder.AddNode("Div", "scale", [centred, std]);
        string weight = builder.AddInitializer("conv.weight", _convWeight, Filters, Channels, 3, 3);
        string bias = builder.AddInitializer("conv.bias", _convBias, Filters);
        string conv = builder.AddNode("Conv", "conv", [normalised, weight, bias],
            [OnnxAttributes.Ints("kernel_shape", [3, 3]), OnnxAttributes.Ints("pads", [1, 1, 1, 1])]);
        string relu = builder.AddNode("Relu", "relu", [conv]);
        string pooled = builder.AddNode("GlobalAveragePool", "pool", [relu]);
        string flat = builder.AddNode("Flatten", "flatten", [pooled], [OnnxAttributes.Int("axis", 1)]);
        string linearWeight = builder.AddInitializer("fc.weight", _linearWeight, EmbeddingDim, Filters);
        string linearBias = builder.AddInitializer("fc.bias", _linearBias, EmbeddingDim);
        string embedding = builder.AddNode("Gemm", "fc", [flat, linearWeight, linearBias], [OnnxAttributes.Int("transB", 1)],
            output: EmbeddingModel.OutputName);
        builder.AddOutput(EmbeddingModel.OutputName, EmbeddingDim);
        return embedding;
    }

    /// <summary>Writes the model to <paramref name="path"/> and returns the path.</summary>
    public string Write(string path, bool withMetadata = true)
    {
        File.WriteAllBytes(path, Build(withMetadata).ToByteArray());
        return path;
    }

    /// <summary>The embeddings of [N, C, H, W] pixels, computed in double precision without ONNX Runtime.</summary>
    public float[] Forward(ReadOnlySpan<float> pixels)
    {
        int count = pixels.Length / ImageSize;
        float[] embeddings = new float[count * EmbeddingDim];
        double[] features = new double[Filters];
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> image = pixels.Slice(n * ImageSize, ImageSize);
            for (int f = 0; f < Filters; f++)
            {
                double sum = 0;
                for (int y = 0; y < Height; y++)
                {
                    for (int x = 0; x < Width; x++)
                    {
                        double value = _convBias[f];
                        for (int c = 0; c < Channels; c++)
                        {
                            for (int ky = 0; ky < 3; ky++)
                            {
                                for (int kx = 0; kx < 3; kx++)
                                {
                                    int sy = y + ky - 1, sx = x + kx - 1;
                                    if (sy < 0 || sy >= Height || sx < 0 || sx >= Width)
                                    {
                                        continue;
                                    }
                                    double normalised = (image[(c * Height + sy) * Width + sx] - (double)Mean[c]) / Std[c];
                                    value += normalised * _convWeight[((f * Channels + c) * 3 + ky) * 3 + kx];
                                }
                            }
                        }
                        sum += Math.Max(0, value);
                    }
                }
                features[f] = sum / (Height * Width);
            }
            for (int d = 0; d < EmbeddingDim; d++)
            {
                double value = _linearBias[d];
                for (int f = 0; f < Filters; f++)
                {
                    value += features[f] * _linearWeight[d * Filters + f];
                }
                embeddings[n * EmbeddingDim + d] = (float)value;
            }
        }
        return embeddings;
    }

    /// <summary>N images of seeded random pixels in [0, 1].</summary>
    public float[] RandomPixels(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * ImageSize).Select(_ => (float)random.NextDouble()).ToArray();
    }
}
