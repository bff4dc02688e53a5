using Pipeline.Data;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Tests.Export;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.FineTuning;

/// <summary>
/// One whole training step of the generated artifacts (ONNX Runtime) against TorchSharp's autograd and optimizers on
/// the same weights and batch: the same loss and the same updated weights, within 1e-5.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ArtifactStepTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    // SGD's step is the gradient's size, small for the first layers: a larger rate moves every weight measurably.
    private const float AdamLearningRate = 1e-2f;
    private const float SgdLearningRate = 1e-1f;
    private const double LabelSmoothing = 0.1;
    private static readonly string[] Classes = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    [Theory]
    [InlineData("convnet", "last-conv-block", "linear", "adamw")]
    [InlineData("convnet", "last-conv-block", "mlp:24", "sgd")]
    [InlineData("resnet18", "last-conv-block", "linear", "adamw")]
    [InlineData("resnet18", "last-conv-block", "mlp:24", "sgd")]
    [InlineData("convnet", "last-conv:2", "linear", "adamw")]
    [InlineData("convnet", "all", "linear", "adamw")]
    [InlineData("convnet", "all", "mlp:24", "sgd")]
    public void TwoSteps_OfTheUnfrozenLayersAndHead_MatchTorchSharpAutogradAndOptimizer(string architecture, string unfreeze, string head, string optimizer)
    {
        using var folder = new TempDirectory();
        ImageSet images = FashionMnist.Load(FashionMnistSplit.Test).Take(12);
        UnfreezeSpec region = UnfreezeSpec.Parse(unfreeze);
        var standardization = new EmbeddingStandardization(
            Enumerable.Range(0, ExportFixtures.SmallDim(architecture)).Select(i => 0.01f * (i % 7)).ToArray(),
            Enumerable.Range(0, ExportFixtures.SmallDim(architecture)).Select(i => 0.5f + 0.05f * (i % 5)).ToArray());
        OptimizerStep step = optimizer == "sgd" ? new SgdMomentumStep(0.9, 5e-3) : new AdamWStep(0.9, 0.99, 1e-6, 0.05);
        float learningRate = optimizer == "sgd" ? SgdLearningRate : AdamLearningRate;
        string artifacts = Generate(architecture, folder, new FineTuneArtifactOptions
        {
            ClassNames = Classes,
            Head = HeadSpec.Parse(head),
            Unfreeze = region,
            Optimizer = step,
            LabelSmoothing = LabelSmoothing,
            Standardization = standardization,
            CacheFeatures = !region.Everything,
            Seed = 2,
        });

        using FineTuner tuner = FineTuner.Open(artifacts);
        float[] features = region.Everything ? UnitPixels(images) : tuner.ExtractFeatures(images);
        long[] labels = images.Labels!.Select(label => (long)label).ToArray();
        Dictionary<string, float[]> initial = tuner.Parameters();
        float[] losses = [tuner.TrainStep(features, labels, learningRate), tuner.TrainStep(features, labels, learningRate)];
        Dictionary<string, float[]> updated = tuner.Parameters();

        using var scope = NewDisposeScope();
        var block = new TorchRegion(tuner.Manifest, initial, standardization, ExportFixtures.Statistics);
        Tensor batch = tensor(features).reshape([images.Count, .. tuner.Manifest.InputShape]);
        Tensor targets = tensor(labels);
        optim.Optimizer[] optimizers = block.Optimizers(step, learningRate);
        for (int i = 0; i < 2; i++)
        {
            foreach (optim.Optimizer each in optimizers)
            {
                each.zero_grad();
            }
            Tensor loss = nn.functional.cross_entropy(block.Forward(architecture, batch), targets, label_smoothing: LabelSmoothing);
            loss.backward();
            foreach (optim.Optimizer each in optimizers)
            {
                each.step();
            }
            output.WriteLine($"step {i + 1}: loss ONNX Runtime {losses[i]:G9}, TorchSharp {loss.item<float>():G9}");
            Assert.InRange(Math.Abs(losses[i] - loss.item<float>()), 0, Tolerance);
        }
        double largest = 0;
        foreach ((string name, Tensor parameter) in block.Parameters)
        {
            float[] expected = parameter.detach().contiguous().data<float>().ToArray();
            double difference = expected.Zip(updated[name], (a, b) => Math.Abs((double)a - b)).Max();
            double moved = expected.Zip(initial[name], (a, b) => Math.Abs((double)a - b)).Max();
            output.WriteLine($"{name}: max |ORT − TorchSharp| {difference:G3}, moved by up to {moved:G3}");
            Assert.True(moved > 10 * Tolerance, $"{name} barely moved: the comparison would prove nothing");
            largest = Math.Max(largest, difference);
        }
        Assert.InRange(largest, 0, Tolerance);
    }

    private static float[] UnitPixels(ImageSet images)
    {
        float[] pixels = new float[images.Pixels.Length];
        PixelScaling.ToUnitRange(images.Pixels, pixels);
        return pixels;
    }

    private static string Generate(string architecture, TempDirectory folder, FineTuneArtifactOptions options)
    {
        using Encoder encoder = ExportFixtures.RandomEncoder(architecture);
        using Tensor pixels = ExportFixtures.Pixels(4);
        string model = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx")).Path;
        string artifacts = Path.Combine(folder.Path, "artifacts");
        new FineTuneArtifactGenerator().Generate(model, options, artifacts);
        return artifacts;
    }
}
