using Pipeline.Data;
using Pipeline.Data.Tests;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;

namespace Pipeline.Inference.Tests.FineTuning;

/// <summary>
/// A small encoder (<see cref="TestModel"/>: 1×8×8 → conv → relu → pool → Gemm → 5), fine-tune artifacts generated
/// from it, and a labelled set of three classes a head can tell apart: noisy horizontal stripes, vertical stripes, or
/// flat grey (textures survive the encoder's global pooling; positions would not).
/// </summary>
internal sealed class FineTuneFixture : IDisposable
{
    public static readonly string[] ClassNames = ["horizontal", "vertical", "flat"];

    private readonly TempDirectory _temp = new();

    public FineTuneFixture(string unfreeze = "none", string head = "linear", bool cacheFeatures = true, OptimizerStep? optimizer = null)
    {
        Model = new TestModel(channels: 1, height: 8, width: 8, filters: 6, embeddingDim: 5);
        EncoderPath = Model.Write(_temp.File("encoder.onnx"));
        ArtifactsPath = Path.Combine(_temp.Path, "artifacts");
        // As pipeline-infer finetune does: the head standardises the embedding with the labelled images' statistics.
        using EmbeddingModel encoder = EmbeddingModel.Load(EncoderPath);
        Manifest = new FineTuneArtifactGenerator().Generate(EncoderPath, new FineTuneArtifactOptions
        {
            ClassNames = ClassNames,
            Standardization = EmbeddingStandardization.Measure(encoder.EmbedBytes(Images(24).Pixels), encoder.EmbeddingDim),
            Head = HeadSpec.Parse(head),
            Unfreeze = UnfreezeSpec.Parse(unfreeze),
            Optimizer = optimizer ?? new AdamWStep(),
            CacheFeatures = cacheFeatures,
            Seed = 3,
        }, ArtifactsPath);
    }

    public TestModel Model { get; }

    public string EncoderPath { get; }

    public string ArtifactsPath { get; }

    public ArtifactsManifest Manifest { get; }

    public string File(string relative) => _temp.File(relative);

    /// <summary><paramref name="perClass"/> images of each class, seeded, labels in class order then shuffled.</summary>
    public static ImageSet Images(int perClass, int seed = 1, IReadOnlyList<int>? counts = null)
    {
        var random = new Random(seed);
        int[] sizes = counts?.ToArray() ?? Enumerable.Repeat(perClass, ClassNames.Length).ToArray();
        int total = sizes.Sum();
        byte[] pixels = new byte[total * 64];
        int[] labels = new int[total];
        int index = 0;
        for (int c = 0; c < sizes.Length; c++)
        {
            for (int i = 0; i < sizes[c]; i++, index++)
            {
                labels[index] = c;
                for (int y = 0; y < 8; y++)
                {
                    for (int x = 0; x < 8; x++)
                    {
                        int level = c switch { 0 => y % 2 == 0 ? 200 : 50, 1 => x % 2 == 0 ? 200 : 50, _ => 125 };
                        pixels[index * 64 + y * 8 + x] = (byte)Math.Clamp(level + random.Next(-40, 41), 0, 255);
                    }
                }
            }
        }
        return new ImageSet("synthetic:bands", pixels, total, 1, 8, 8, labels, ClassNames);
    }

    public void Dispose() => _temp.Dispose();
}
