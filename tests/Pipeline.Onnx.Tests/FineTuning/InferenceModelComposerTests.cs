using Onnx;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Onnx.Tests.FineTuning;

public sealed class InferenceModelComposerTests
{
    [Theory]
    [InlineData("convnet", "last-conv-block", "mlp:5", true)]
    [InlineData("residual", "last-conv-block", "linear", false)]
    [InlineData("convnet", "none", "linear", true)]
    public void Compose_GivesTheEvaluationGraphsEmbeddingAndLogits_AndTheirSoftmax(string encoder, string unfreeze, string head, bool cache)
    {
        var fixture = new ArtifactFixture(FineTuneArtifactGeneratorTests.Encoder(encoder),
            FineTuneArtifactGeneratorTests.Options(UnfreezeSpec.Parse(unfreeze)) with { Head = HeadSpec.Parse(head), CacheFeatures = cache });
        // Stand in for training: move every parameter off its initial value.
        for (int i = 0; i < 3; i++)
        {
            Dictionary<string, float[]> step = fixture.TrainingStep(0.05f, i + 1);
            foreach (string name in fixture.Manifest.TrainedValues)
            {
                fixture.Values[name] = step[name + ArtifactsManifest.UpdatedSuffix];
            }
        }
        Dictionary<string, float[]> expected = fixture.Evaluate();

        ModelProto model = InferenceModelComposer.Compose(fixture.Artifacts.EvalModel, fixture.Artifacts.FrozenModel, fixture.Manifest,
            fixture.Values, new ClassifierMetadata(fixture.Manifest.ClassNames, "{\"epochs\":3}"));
        Dictionary<string, float[]> actual = OrtRun.Run(model, new Dictionary<string, (Array, long[])> { ["pixels"] = (fixture.Pixels, fixture.PixelShape) });

        Assert.Equal(["embedding", "logits", "probabilities"], model.Graph.Output.Select(output => output.Name));
        Assert.Equal(expected["embedding"], actual["embedding"], (a, b) => Math.Abs(a - b) <= 1e-5f);
        Assert.Equal(expected["logits"], actual["logits"], (a, b) => Math.Abs(a - b) <= 1e-5f);
        int classes = fixture.Manifest.ClassNames.Count;
        for (int n = 0; n < fixture.Batch; n++)
        {
            double[] exp = expected["logits"].Skip(n * classes).Take(classes).Select(z => Math.Exp(z)).ToArray();
            for (int c = 0; c < classes; c++)
            {
                Assert.Equal(exp[c] / exp.Sum(), actual["probabilities"][n * classes + c], 5);
            }
        }
    }

    [Fact]
    public void Compose_KeepsTheEncodersMetadataAndAddsTheClassNames_AndPassesDebiansCheck()
    {
        var fixture = new ArtifactFixture(TestEncoders.ConvNet(), FineTuneArtifactGeneratorTests.Options(UnfreezeSpec.LastConvBlock));
        ModelProto model = InferenceModelComposer.Compose(fixture.Artifacts.EvalModel, fixture.Artifacts.FrozenModel, fixture.Manifest,
            fixture.Values, new ClassifierMetadata(fixture.Manifest.ClassNames, "{}"));
        using var folder = new TempDirectory();
        string path = folder.File("inference_model.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));

        Assert.Equal(TestEncoders.Metadata(6).ToProperties(), EmbeddingModelMetadata.ReadFrom(model).ToProperties());
        var properties = model.MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value);
        Assert.Equal(["a", "b", "c"], ClassifierMetadata.FromProperties(properties).ClassNames);
        Assert.Contains("opset 17", OutsideClient.CheckModel(path));
    }

    [Fact]
    public void Compose_UntrainedHeadOnFrozenEncoder_KeepsTheEncodersEmbeddingExactly()
    {
        ModelProto encoder = TestEncoders.ConvNet();
        var fixture = new ArtifactFixture(encoder, FineTuneArtifactGeneratorTests.Options(UnfreezeSpec.None));
        ModelProto model = InferenceModelComposer.Compose(fixture.Artifacts.EvalModel, fixture.Artifacts.FrozenModel, fixture.Manifest,
            fixture.Values, new ClassifierMetadata(fixture.Manifest.ClassNames, "{}"));
        var input = new Dictionary<string, (Array, long[])> { ["pixels"] = (fixture.Pixels, fixture.PixelShape) };

        Assert.Equal(OrtRun.Run(encoder, input)["embedding"], OrtRun.Run(model, input)["embedding"]);
    }
}
