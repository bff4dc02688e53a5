using System.Globalization;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Xml.Linq;
using Pipeline.Data.Tests;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Packaging;

/// <summary>
/// The packages `make pack` writes, used as an outside app uses them: inference/samples/EmbedImage restored from the
/// local folder feed into an empty package cache (so no stale package can answer), built and run on a real encoder.
/// </summary>
public sealed class PackageSampleTests : IDisposable
{
    private static readonly string[] Packages = ["Pipeline.Inference", "Pipeline.Data", "Pipeline.Onnx.Contract", "Pipeline.Errors", "Pipeline.Runs"];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EmbedImageSample_RestoredFromThePackedNupkg_PrintsTheLibrarysEmbedding()
    {
        string version = XDocument.Load(RepositoryRoot.Combine("build", "Version.props")).Descendants("PipelineVersion").Single().Value;
        Succeed(OutsideClient.Run("make", ["-C", RepositoryRoot.Path, "pack", $"CONFIGURATION={RepositoryRoot.Configuration}"], null, TimeSpan.FromMinutes(5)));
        foreach (string package in Packages)
        {
            AssertPackageHoldsDocsReadmeAndLicence(RepositoryRoot.Combine("artifacts", "packages", $"{package}.{version}.nupkg"), package);
        }

        var spec = new TestModel(channels: 3, height: 6, width: 5, embeddingDim: 7);
        string model = spec.Write(_temp.File("encoder.onnx"));
        string[] images = [_temp.File("red.png"), _temp.File("gradient.png")];
        File.WriteAllBytes(images[0], TestImages.Png(9, 7, (_, _) => new SKColor(200, 30, 30)));
        File.WriteAllBytes(images[1], TestImages.Png(5, 6, (x, y) => new SKColor((byte)(40 * x), (byte)(30 * y), 90)));

        var isolated = new Dictionary<string, string> { ["NUGET_PACKAGES"] = _temp.File("nuget-packages") };
        string artifacts = _temp.File("sample");
        Succeed(OutsideClient.Run("dotnet",
            ["build", RepositoryRoot.Combine("inference", "samples", "EmbedImage", "EmbedImage.csproj"), "-c", "Release",
             "--artifacts-path", artifacts, "--nologo", "-v:q"], isolated, TimeSpan.FromMinutes(5)));
        Assert.True(Directory.Exists(Path.Combine(isolated["NUGET_PACKAGES"], "pipeline.inference", version)),
            "the sample did not restore Pipeline.Inference from the fresh cache");
        string app = Directory.GetFiles(Path.Combine(artifacts, "bin"), "EmbedImage.dll", SearchOption.AllDirectories).Single();
        (int exitCode, string output, string error) = OutsideClient.Run("dotnet", [app, model, .. images], null, TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, error);

        using EmbeddingModel library = EmbeddingModel.Load(model);
        float[] expected = library.EmbedImages(images.Select(path => (ReadOnlyMemory<byte>)File.ReadAllBytes(path)).ToArray());
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(images.Length, lines.Length);
        for (int i = 0; i < images.Length; i++)
        {
            string[] fields = lines[i].Split('\t');
            Assert.Equal([images[i], $"width {spec.EmbeddingDim}"], fields[..2]);
            float norm = float.Parse(fields[2]["norm ".Length..], CultureInfo.InvariantCulture);
            Assert.Equal(TensorPrimitives.Norm(expected.AsSpan(i * spec.EmbeddingDim, spec.EmbeddingDim)), norm, 1e-6f);
        }
    }

    private static void AssertPackageHoldsDocsReadmeAndLicence(string nupkg, string package)
    {
        Assert.True(File.Exists(nupkg), $"make pack wrote no {nupkg}");
        using ZipArchive archive = ZipFile.OpenRead(nupkg);
        string[] entries = archive.Entries.Select(entry => entry.FullName).ToArray();
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains($"lib/net10.0/{package}.dll", entries);
        Assert.Contains($"lib/net10.0/{package}.xml", entries);
    }

    private static void Succeed((int ExitCode, string Output, string Error) run) =>
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Output}\n{run.Error}");
}
