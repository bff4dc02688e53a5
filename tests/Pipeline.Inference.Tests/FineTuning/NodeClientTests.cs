using System.Runtime.InteropServices;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Inference.Classification;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx.Optimizers;
using Xunit.Abstractions;

namespace Pipeline.Inference.Tests.FineTuning;

/// <summary>The same artifacts train in onnxruntime-node as in .NET, and the classifier they make runs there too.</summary>
public sealed class NodeClientTests(ITestOutputHelper output)
{
    private const int Steps = 10;

    [Theory]
    [InlineData("last-conv-block", "mlp:6", "adamw")]
    [InlineData("none", "linear", "sgd")]
    public void TenSteps_InOnnxRuntimeNode_GiveTheSameLossesAsTheFineTuner(string unfreeze, string head, string optimizer)
    {
        string script = Path.Combine(OutsideClient.NodeFolder(), "train.mjs");
        using var fixture = new FineTuneFixture(unfreeze, head,
            optimizer: optimizer == "sgd" ? new SgdMomentumStep(0.9, 1e-3) : new AdamWStep(WeightDecay: 0.05));
        ImageSet images = FineTuneFixture.Images(6);
        long[] labels = images.Labels!.Select(label => (long)label).ToArray();
        float[] expected = new float[Steps];
        string batch = fixture.File("batch.f32"), labelFile = fixture.File("labels.i64");
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            float[] features = tuner.ExtractFeatures(images);
            File.WriteAllBytes(batch, MemoryMarshal.AsBytes(features.AsSpan()).ToArray());
            for (int step = 0; step < Steps; step++)
            {
                expected[step] = tuner.TrainStep(features, labels, 0.02f);
            }
        }
        File.WriteAllBytes(labelFile, MemoryMarshal.AsBytes(labels.AsSpan()).ToArray());

        (int exitCode, string stdout, string stderr) = OutsideClient.Run("node", script, fixture.ArtifactsPath, batch, labelFile,
            images.Count.ToString(), Steps.ToString(), "0.02");

        Assert.True(exitCode == 0, $"onnxruntime-node failed: {stderr}");
        float[] actual = JsonDocument.Parse(stdout).RootElement.GetProperty("losses").EnumerateArray().Select(loss => loss.GetSingle()).ToArray();
        output.WriteLine($".NET:  {string.Join(", ", expected)}\nnode:  {string.Join(", ", actual)}");
        Assert.Equal(Steps, actual.Length);
        Assert.True(expected[^1] < expected[0], "the losses should fall, or the comparison proves little");
        Assert.All(expected.Zip(actual), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-4));
    }

    [Fact]
    public void FineTunedClassifier_InOnnxRuntimeNode_GivesTheSameProbabilities()
    {
        string script = Path.Combine(OutsideClient.NodeFolder(), "embed.mjs");
        using var fixture = new FineTuneFixture("last-conv-block");
        ImageSet images = FineTuneFixture.Images(4);
        string model = fixture.File("inference_model.onnx");
        using (FineTuner tuner = FineTuner.Open(fixture.ArtifactsPath))
        {
            tuner.Fit(images, new FineTuneOptions { Epochs = 5, BatchSize = 4, ValidationFraction = 0 });
            tuner.ExportInferenceModel(model, "{}");
        }
        float[] pixels = new float[images.Pixels.Length];
        PixelScaling.ToUnitRange(images.Pixels, pixels);
        float[] expected = new float[images.Count * 3];
        using (var classifier = ImageClassifier.Load(model))
        {
            classifier.Classify(pixels, expected);
        }
        string input = fixture.File("pixels.f32"), result = fixture.File("probabilities.f32");
        File.WriteAllBytes(input, MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());

        (int exitCode, string stdout, string stderr) = OutsideClient.Run("node", script, model, input, images.Count.ToString(), "1", "8", "8",
            result, "probabilities");

        Assert.True(exitCode == 0, $"onnxruntime-node failed: {stderr}");
        Assert.Contains($"[{images.Count},3]", stdout);
        float[] actual = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(result)).ToArray();
        Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-6f);
    }
}
