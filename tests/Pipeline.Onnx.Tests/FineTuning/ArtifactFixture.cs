using Onnx;
using Pipeline.Data.SafeTensors;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Onnx.Tests.FineTuning;

/// <summary>Generated artifacts with a batch to feed them: features from the frozen prefix, labels, and the checkpoint's values.</summary>
internal sealed class ArtifactFixture
{
    public ArtifactFixture(ModelProto encoder, FineTuneArtifactOptions options, int batch = 6, int seed = 11)
    {
        Artifacts = new FineTuneArtifactGenerator().Generate(encoder, "tests/encoder.onnx", new string('c', 64), options);
        Pixels = TestEncoders.Pixels(batch, seed);
        var random = new Random(seed);
        Labels = Enumerable.Range(0, batch).Select(_ => (long)random.Next(options.ClassNames.Count)).ToArray();
        Batch = batch;
        PixelShape = [batch, 1, TestEncoders.Side, TestEncoders.Side];
        if (Artifacts.FrozenModel is not null)
        {
            Features = OrtRun.Run(Artifacts.FrozenModel, new Dictionary<string, (Array, long[])> { ["pixels"] = (Pixels, PixelShape) })["features"];
        }
        Values = Artifacts.Checkpoint.ToDictionary(tensor => tensor.Name, tensor => tensor.ToFloats(), StringComparer.Ordinal);
    }

    public FineTuneArtifacts Artifacts { get; }

    public ArtifactsManifest Manifest => Artifacts.Manifest;

    public int Batch { get; }

    public float[] Pixels { get; }

    public long[] PixelShape { get; }

    /// <summary>The frozen prefix's output for <see cref="Pixels"/>; null when the artifacts take pixels.</summary>
    public float[]? Features { get; }

    public long[] Labels { get; }

    /// <summary>Every parameter and state value, by name, starting from the checkpoint.</summary>
    public Dictionary<string, float[]> Values { get; }

    /// <summary>The graph's batch input and labels, plus the named values.</summary>
    public Dictionary<string, (Array, long[])> Inputs(IEnumerable<string> valueNames)
    {
        var inputs = new Dictionary<string, (Array, long[])>(StringComparer.Ordinal)
        {
            [Manifest.Input] = Features is null ? (Pixels, PixelShape) : (Features, [Batch, .. Manifest.InputShape]),
            [ArtifactsManifest.LabelsInput] = (Labels, [Batch]),
        };
        foreach (string name in valueNames)
        {
            inputs[name] = (Values[name], Shape(name));
        }
        return inputs;
    }

    /// <summary>One training step's outputs with the given learning rate and step number.</summary>
    public Dictionary<string, float[]> TrainingStep(float learningRate, long step)
    {
        Dictionary<string, (Array, long[])> inputs = Inputs(Manifest.TrainedValues);
        inputs[ArtifactsManifest.LearningRateInput] = (new[] { learningRate }, []);
        inputs[ArtifactsManifest.StepInput] = (new[] { step }, []);
        return OrtRun.Run(Artifacts.TrainingModel, inputs);
    }

    /// <summary>The evaluation graph's outputs at the current values.</summary>
    public Dictionary<string, float[]> Evaluate() =>
        OrtRun.Run(Artifacts.EvalModel, Inputs(Manifest.Parameters.Select(parameter => parameter.Name)));

    private long[] Shape(string name)
    {
        SafeTensor tensor = Artifacts.Checkpoint.Single(tensor => tensor.Name == name);
        return tensor.Shape;
    }
}
