using System.Globalization;
using Pipeline.Data.Tests;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Edge;

/// <summary>
/// The linux-arm64 edge builds of pipeline-embed (make edge, make edge-aot) really run: under qemu-user they embed as the
/// library does here.
/// </summary>
public sealed class Arm64EdgeBuildTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Arm64Fact]
    public void Arm64Build_UnderQemu_EmbedsImagesAsTheLibraryDoesOnX64() =>
        AssertEmbedsAsTheLibrary(["edge", "EDGE_RIDS=linux-arm64"], "linux-arm64");

    [Arm64Fact(nativeAot: true)]
    public void Arm64NativeAotBuild_UnderQemu_EmbedsImagesAsTheLibraryDoesOnX64() =>
        AssertEmbedsAsTheLibrary(["edge-aot", "EDGE_AOT_RIDS=linux-arm64"], "linux-arm64-aot");

    /// <summary>Builds with make, then embeds two images with artifacts/edge/<paramref name="folder"/>/pipeline-embed under qemu.</summary>
    private void AssertEmbedsAsTheLibrary(string[] makeArguments, string folder)
    {
        (int built, string buildOutput, string buildError) = OutsideClient.Run("make",
            ["-C", RepositoryRoot.Path, .. makeArguments], null, TimeSpan.FromMinutes(10));
        Assert.True(built == 0, $"make {string.Join(' ', makeArguments)} failed:\n{buildOutput}\n{buildError}");
        var spec = new TestModel(channels: 3, height: 6, width: 5, embeddingDim: 7);
        string model = spec.Write(_temp.File("encoder.onnx"));
        string[] images = [_temp.File("a.png"), _temp.File("b.png")];
        File.WriteAllBytes(images[0], TestImages.Png(6, 5, (x, y) => new SKColor((byte)(40 * x), (byte)(50 * y), 7)));
        File.WriteAllBytes(images[1], TestImages.Png(4, 9, (x, y) => new SKColor(200, (byte)(20 * y), (byte)(60 * x))));
        string output = _temp.File("embeddings.csv");

        (int exitCode, string stdout, string error) = OutsideClient.Run(RepositoryRoot.Combine("build", "qemu-arm64.sh"),
            [RepositoryRoot.Combine("artifacts", "edge", folder, "pipeline-embed"), "--model", model, "--input", .. images, "--out", output],
            new Dictionary<string, string> { ["QEMU_ARM64_ROOT"] = _temp.File("qemu-root"), ["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = _temp.File("bundle") },
            TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0, $"{stdout}\n{error}");
        using EmbeddingModel library = EmbeddingModel.Load(model);
        float[] expected = library.EmbedImages(images.Select(path => (ReadOnlyMemory<byte>)File.ReadAllBytes(path)).ToArray());
        float[] arm64 = File.ReadAllLines(output).Skip(1)
            .SelectMany(line => line.Split(',').Skip(1).Select(value => float.Parse(value, CultureInfo.InvariantCulture)))
            .ToArray();
        Assert.Equal(expected.Length, arm64.Length);
        Assert.All(expected.Zip(arm64), pair => Assert.Equal(pair.First, pair.Second, 1e-5f));
    }
}
