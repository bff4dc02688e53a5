using Google.Protobuf;
using Onnx;
using Pipeline.Errors;
using Pipeline.Onnx.Autodiff;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;
using Xunit.Abstractions;

namespace Pipeline.Onnx.Tests.FineTuning;

public sealed class FineTuneArtifactGeneratorTests(ITestOutputHelper output)
{
    private static readonly string[] Classes = ["a", "b", "c"];

    [Fact]
    public void LastConvBlock_OfTheConvNet_CutsAfterTheMaxPoolAndTrainsTheLastConvAndTheHead()
    {
        var fixture = new ArtifactFixture(TestEncoders.ConvNet(), Options(UnfreezeSpec.LastConvBlock));
        ArtifactsManifest manifest = fixture.Manifest;

        Assert.Equal("features.pool1_out", manifest.FrozenCut);
        Assert.Equal([4L, 4, 4], manifest.InputShape);
        Assert.Equal(["features.conv2", "features.relu2", "pool", "flatten", "output"], manifest.TrainableNodes);
        Assert.Equal(["features.conv2.weight", "features.conv2.bias", "head.0.weight", "head.0.bias"], manifest.Parameters.Select(p => p.Name));
        Assert.Equal([true, false, true, false], manifest.Parameters.Select(p => p.Decays));
        Assert.Equal(["features.conv2.weight.adam_m", "features.conv2.weight.adam_v"], manifest.Parameters[0].State);
        Assert.Equal(
            ["features", "labels", "learning_rate", "step", "features.conv2.weight", "features.conv2.weight.adam_m", "features.conv2.weight.adam_v"],
            fixture.Artifacts.TrainingModel.Graph.Input.Take(7).Select(input => input.Name));
        Assert.Equal(manifest.TrainingOutputs, fixture.Artifacts.TrainingModel.Graph.Output.Select(o => o.Name));
    }

    [Fact]
    public void LastConvBlock_OfAResidualBlock_MovesTheCutToTheBlockInputSoTheShortcutTrainsToo()
    {
        ArtifactsManifest manifest = new ArtifactFixture(TestEncoders.Residual(), Options(UnfreezeSpec.LastConvBlock)).Manifest;

        Assert.Equal("stem.relu_out", manifest.FrozenCut);
        Assert.Contains("layer1.0.add", manifest.TrainableNodes);
        Assert.Equal(["layer1.0.conv1.weight", "layer1.0.conv1.bias", "layer1.0.conv2.weight", "layer1.0.conv2.bias", "head.0.weight", "head.0.bias"],
            manifest.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void None_TrainsTheHeadOnTheEmbedding()
    {
        ArtifactsManifest manifest = new ArtifactFixture(TestEncoders.ConvNet(), Options(UnfreezeSpec.None) with { Head = HeadSpec.Mlp(5) }).Manifest;

        Assert.Equal("embedding", manifest.FrozenCut);
        Assert.Equal([6L], manifest.InputShape);
        Assert.Empty(manifest.TrainableNodes);
        Assert.Equal(["head.0.weight", "head.0.bias", "head.1.weight", "head.1.bias"], manifest.Parameters.Select(p => p.Name));
        Assert.Equal([5L, 6], manifest.Parameters[0].Shape);
        Assert.Equal([3L, 5], manifest.Parameters[2].Shape);
    }

    [Fact]
    public void LastLinear_TrainsTheEncodersGemmAndLeavesTheConvolutionFrozen()
    {
        ArtifactsManifest manifest = new ArtifactFixture(TestEncoders.BatchNormAndLinear(), Options(UnfreezeSpec.LastLinear(1))).Manifest;

        Assert.Equal("flatten_out", manifest.FrozenCut);
        Assert.Equal(["fc.weight", "fc.bias", "head.0.weight", "head.0.bias"], manifest.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void LastConvBlock_WithBatchNorm_TrainsScaleAndBiasButNotTheRunningStatistics()
    {
        ArtifactsManifest manifest = new ArtifactFixture(TestEncoders.BatchNormAndLinear(), Options(UnfreezeSpec.LastConvBlock)).Manifest;

        Assert.Equal(["conv.weight", "bn.weight", "bn.bias", "fc.weight", "fc.bias", "head.0.weight", "head.0.bias"], manifest.Parameters.Select(p => p.Name));
        Assert.Equal([true, false, false, true, false, true, false], manifest.Parameters.Select(p => p.Decays));
    }

    [Fact]
    public void LastConvBlock_ThroughAnOperatorWithoutARule_IsRefusedNamingTheOperatorAndTheNode()
    {
        var error = Assert.Throws<UnsupportedOperatorException>(() =>
            new FineTuneArtifactGenerator().Generate(TestEncoders.PoolInLastBlock("AveragePool"), "e", "", Options(UnfreezeSpec.LastConvBlock)));

        Assert.Equal("AveragePool", error.OpType);
        Assert.Equal("block.pool", error.NodeName);
        Assert.Contains("No gradient rule for AveragePool (node 'block.pool')", error.Message);
    }

    [Fact]
    public void All_WithFeatureCaching_IsRefused_SinceNothingIsFrozen()
    {
        var error = Assert.Throws<InvalidSettingException>(() =>
            new FineTuneArtifactGenerator().Generate(TestEncoders.ConvNet(), "e", "", Options(UnfreezeSpec.All)));

        Assert.Contains("no frozen prefix", error.Message);
    }

    [Theory]
    [InlineData("last-conv:2", "unfreeze asks for the last 2 convolutions, but the model has 1 with constant weights: use last-conv:1 or fewer, or all.")]
    [InlineData("last-linear:2", "unfreeze asks for the last 2 Gemm/MatMul layers, but the model has 1 with constant weights: use last-linear:1 or fewer.")]
    public void MoreLayersThanTheModelHas_AreRefusedSayingHowManyItHas(string unfreeze, string message)
    {
        var error = Assert.Throws<InvalidSettingException>(() =>
            new FineTuneArtifactGenerator().Generate(TestEncoders.BatchNormAndLinear(), "e", "", Options(UnfreezeSpec.Parse(unfreeze))));

        Assert.Equal("unfreeze", error.Setting);
        Assert.Contains(message, error.Message);
    }

    public static TheoryData<string, string, string, bool> Configurations => new()
    {
        { "convnet", "last-conv-block", "linear", false },
        { "convnet", "last-conv-block", "linear", true },
        { "residual", "last-conv-block", "mlp:5", false },
        { "batchnorm", "last-conv-block", "linear", false },
        { "batchnorm", "last-linear:1", "mlp:4,3", true },
        { "convnet", "none", "mlp:7", false },
        { "maxpool", "last-conv-block", "linear", false },
        { "convnet", "all", "linear", true },
        { "residual", "all", "linear", false },
    };

    /// <summary>
    /// The training graph's whole gradient (region, head, loss with label smoothing), read back from one plain SGD step
    /// (p − 1·g), against central finite differences of the evaluation graph's loss. The loss is float32, so each
    /// quotient carries a few ulps of it over 2h (~1e-4 here) and ReLU kinks crossed by h add a little: measured
    /// 0.02-0.7% of the largest gradient, where a missing term (a shortcut's gradient, the smoothing) is tens of percent.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void TrainingStep_Gradient_MatchesFiniteDifferencesOfTheEvaluationLoss(string encoder, string unfreeze, string head, bool standardize)
    {
        ModelProto model = Encoder(encoder);
        long dim = model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue;
        var fixture = new ArtifactFixture(model, Options(UnfreezeSpec.Parse(unfreeze)) with
        {
            CacheFeatures = !UnfreezeSpec.Parse(unfreeze).Everything,
            Head = HeadSpec.Parse(head),
            Standardization = standardize
                ? new EmbeddingStandardization(GradientCheckValues(dim, -0.2f, 0.2f), GradientCheckValues(dim, 0.05f, 0.5f))
                : null,
            Optimizer = new SgdMomentumStep(Momentum: 0, WeightDecay: 0),
            LabelSmoothing = 0.1,
        });
        Dictionary<string, float[]> step = fixture.TrainingStep(learningRate: 1f, step: 1);
        Assert.Equal(fixture.Evaluate()["loss"][0], step["loss"][0], 6);

        double largestError = 0, largestGradient = 0;
        const float h = 2e-3f;
        foreach (ArtifactParameter parameter in fixture.Manifest.Parameters)
        {
            float[] values = fixture.Values[parameter.Name];
            float[] updated = step[parameter.Name + ArtifactsManifest.UpdatedSuffix];
            for (int i = 0; i < values.Length; i++)
            {
                double analytic = (double)values[i] - updated[i];
                float original = values[i];
                values[i] = original + h;
                double plus = fixture.Evaluate()["loss"][0];
                values[i] = original - h;
                double minus = fixture.Evaluate()["loss"][0];
                values[i] = original;
                double numeric = (plus - minus) / (2 * h);
                largestGradient = Math.Max(largestGradient, Math.Abs(numeric));
                largestError = Math.Max(largestError, Math.Abs(numeric - analytic));
            }
        }
        output.WriteLine($"largest |analytic − numeric| = {largestError:G3}, largest gradient {largestGradient:G3}");
        Assert.True(largestGradient > 1e-3);
        Assert.InRange(largestError / largestGradient, 0, 2e-2);
    }

    [Theory]
    [InlineData("convnet", "last-conv-block")]
    [InlineData("residual", "last-conv-block")]
    [InlineData("batchnorm", "last-linear:1")]
    [InlineData("maxpool", "last-conv-block")]
    [InlineData("convnet", "all")]
    public void Graphs_PassDebiansFullCheck_AndUseOnlyTheDefaultDomain(string encoder, string unfreeze)
    {
        using var folder = new TempDirectory();
        bool everything = UnfreezeSpec.Parse(unfreeze).Everything;
        FineTuneArtifacts artifacts = new FineTuneArtifactGenerator().Generate(Encoder(encoder), "e", new string('c', 64),
            Options(UnfreezeSpec.Parse(unfreeze)) with { Head = HeadSpec.Mlp(5), LabelSmoothing = 0.1, CacheFeatures = !everything });
        artifacts.Write(folder.Path);

        string[] files = everything
            ? [ArtifactsManifest.TrainingModelFile, ArtifactsManifest.EvalModelFile]
            : [ArtifactsManifest.TrainingModelFile, ArtifactsManifest.EvalModelFile, ArtifactsManifest.FrozenModelFile];
        foreach (string file in files)
        {
            string stdout = OutsideClient.CheckModel(Path.Combine(folder.Path, file));
            Assert.Contains("opset 17", stdout);
            Assert.Equal(["domain:ai.onnx"], stdout.Split('\n').Where(line => line.StartsWith("domain:", StringComparison.Ordinal)));
            Assert.Contains(EmbeddingModelMetadata.EmbeddingDimKey, stdout);
        }
    }

    [Fact]
    public void PixelInput_GivesTheSameLossAndUpdateAsCachedFeatures()
    {
        FineTuneArtifactOptions options = Options(UnfreezeSpec.LastConvBlock);
        var cached = new ArtifactFixture(TestEncoders.Residual(), options);
        var pixels = new ArtifactFixture(TestEncoders.Residual(), options with { CacheFeatures = false });

        Dictionary<string, float[]> fromFeatures = cached.TrainingStep(1e-2f, 1);
        Dictionary<string, float[]> fromPixels = pixels.TrainingStep(1e-2f, 1);

        Assert.Null(pixels.Artifacts.FrozenModel);
        Assert.Equal(ArtifactsManifest.PixelsInput, pixels.Manifest.Input);
        Assert.Equal(fromFeatures["loss"][0], fromPixels["loss"][0], 6);
        foreach (string name in cached.Manifest.TrainingOutputs)
        {
            Assert.Equal(fromFeatures[name], fromPixels[name], (a, b) => Math.Abs(a - b) <= 1e-6f);
        }
    }

    [Fact]
    public void Write_ThenRead_RoundTripsTheManifest_AndAChangedFileIsRefused()
    {
        using var folder = new TempDirectory();
        FineTuneArtifacts artifacts = new FineTuneArtifactGenerator().Generate(TestEncoders.ConvNet(), "e", new string('c', 64),
            Options(UnfreezeSpec.LastConvBlock) with { Head = HeadSpec.Mlp(5), Optimizer = new SgdMomentumStep(0.8, 1e-4) });
        ArtifactsManifest written = artifacts.Write(folder.Path);

        ArtifactsManifest read = ArtifactsManifest.Read(folder.Path);

        Assert.Equal(written.Head, read.Head);
        Assert.Equal(written.Unfreeze, read.Unfreeze);
        Assert.Equal(new SgdMomentumStep(0.8, 1e-4), read.Optimizer);
        Assert.Equal(written.Parameters.Select(p => (p.Name, string.Join(",", p.Shape), p.Decays, string.Join(",", p.State))),
            read.Parameters.Select(p => (p.Name, string.Join(",", p.Shape), p.Decays, string.Join(",", p.State))));
        Assert.Equal(4, read.Files.Count);
        Assert.Contains("\"kind\": \"sgd\"", File.ReadAllText(Path.Combine(folder.Path, ArtifactsManifest.FileName)));
        Assert.Contains("\"sourceEncoderSha256\": ", File.ReadAllText(Path.Combine(folder.Path, ArtifactsManifest.FileName)));

        File.AppendAllText(Path.Combine(folder.Path, ArtifactsManifest.EvalModelFile), "x");
        var error = Assert.Throws<InvalidDataException>(() => ArtifactsManifest.Read(folder.Path));
        Assert.Contains(ArtifactsManifest.EvalModelFile, error.Message);
    }

    [Fact]
    public void Read_AManifestWrittenBeforeTheOneCasing_Reads_KeepingItsFileNames()
    {
        using var folder = new TempDirectory();
        string training = Path.Combine(folder.Path, ArtifactsManifest.TrainingModelFile);
        File.WriteAllText(training, "graph");
        // The shape of a real artifacts.json that pipeline-infer finetune wrote before the one casing (bench/work/quality), cut short.
        File.WriteAllText(Path.Combine(folder.Path, ArtifactsManifest.FileName), $$"""
            {
              "format_version": 1,
              "created_utc": "2026-12-04T22:22:20.1628269+00:00",
              "source_encoder": "/models/encoder.onnx",
              "source_encoder_sha256": "e254bd25",
              "input": "pixels",
              "input_shape": [1, 28, 28],
              "pixel_shape": [1, 28, 28],
              "embedding_dim": 256,
              "class_names": ["T-shirt/top", "Trouser"],
              "head": "linear",
              "standardizes_embedding": true,
              "unfreeze": "all",
              "frozen_cut": "pixels",
              "trainable_nodes": ["features.conv1"],
              "label_smoothing": 0.1,
              "optimizer": { "kind": "adamw", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-08, "weight_decay": 0.0001 },
              "parameters": [
                { "name": "features.conv1.bias", "shape": [32], "decays": false, "origin": "encoder",
                  "state": ["features.conv1.bias.adam_m", "features.conv1.bias.adam_v"] }
              ],
              "seed": 0,
              "files": { "training_model.onnx": "{{FileDigest.Of(training).Sha256}}" }
            }
            """);

        ArtifactsManifest read = ArtifactsManifest.Read(folder.Path);

        Assert.Equal(("e254bd25", 256L, true, "pixels", "features.conv1"),
            (read.SourceEncoderSha256, read.EmbeddingDim, read.StandardizesEmbedding, read.FrozenCut, Assert.Single(read.TrainableNodes)));
        Assert.Equal([1L, 28, 28], read.InputShape);
        Assert.Equal(["T-shirt/top", "Trouser"], read.ClassNames);
        Assert.Equal(new AdamWStep(WeightDecay: 0.0001), read.Optimizer);
        Assert.Equal(["features.conv1.bias.adam_m", "features.conv1.bias.adam_v"], Assert.Single(read.Parameters).State);
        Assert.Equal([ArtifactsManifest.TrainingModelFile], read.Files.Keys);
    }

    [Fact]
    public void NotAnEmbeddingModel_IsRefusedNamingWhatItHas()
    {
        var builder = new OnnxGraphBuilder("g");
        builder.AddNode("Relu", "relu", [builder.AddInput("x", 3)], output: "y");
        builder.AddOutput("y", 3);

        var error = Assert.Throws<InvalidDataException>(() =>
            new FineTuneArtifactGenerator().Generate(builder.Build("t", "1"), "e", "", Options(UnfreezeSpec.None)));

        Assert.Contains("inputs [x] and outputs [y]", error.Message);
    }

    private static float[] GradientCheckValues(long count, float low, float high) =>
        Enumerable.Range(0, (int)count).Select(i => low + (high - low) * i / Math.Max(1, count - 1)).ToArray();

    internal static FineTuneArtifactOptions Options(UnfreezeSpec unfreeze) => new() { ClassNames = Classes, Unfreeze = unfreeze, Seed = 5 };

    internal static ModelProto Encoder(string name) => name switch
    {
        "convnet" => TestEncoders.ConvNet(),
        "residual" => TestEncoders.Residual(),
        "batchnorm" => TestEncoders.BatchNormAndLinear(),
        "maxpool" => TestEncoders.PoolInLastBlock("MaxPool"),
        _ => throw new ArgumentException(name),
    };
}
