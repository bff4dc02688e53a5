using System.Globalization;
using Pipeline.Data.Tests;
using SkiaSharp;

namespace Pipeline.Inference.Tests.Cli;

/// <summary>pipeline-embed, the embedding CLI the edge builds are made of, run as a process.</summary>
public sealed class EmbedFilesCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Embed_AFolder_WritesTheLibrarysEmbeddingOfEachFileUnderItsName()
    {
        var spec = new TestModel(channels: 3, height: 6, width: 5);
        string model = spec.Write(_temp.File("encoder.onnx"));
        string folder = Directory.CreateDirectory(_temp.File("images")).FullName;
        string[] images = [Path.Combine(folder, "a.png"), Path.Combine(folder, "b.png")];
        File.WriteAllBytes(images[0], TestImages.Png(6, 5, (x, y) => new SKColor((byte)(40 * x), (byte)(50 * y), 7)));
        File.WriteAllBytes(images[1], TestImages.Png(3, 3));
        string output = _temp.File("out/embeddings.csv");

        (int exitCode, string stdout, string error) = CliProcess.RunEmbed("--model", model, "--input", folder, "--out", output);

        Assert.True(exitCode == 0, error);
        Assert.StartsWith("embedded 2 images with ", stdout);
        using EmbeddingModel library = EmbeddingModel.Load(model);
        float[] expected = library.EmbedImages(images.Select(path => (ReadOnlyMemory<byte>)File.ReadAllBytes(path)).ToArray());
        string[][] rows = File.ReadAllLines(output).Skip(1).Select(line => line.Split(',')).ToArray();
        Assert.Equal(images, rows.Select(row => row[0]));
        float[] written = rows.SelectMany(row => row.Skip(1).Select(value => float.Parse(value, CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(expected.Length, written.Length);
        Assert.All(expected.Zip(written), pair => Assert.Equal(pair.First, pair.Second, 1e-6f));
    }

    [Fact]
    public void Embed_AFractionOfAThread_IsAUsageError()
    {
        (int exitCode, _, string error) = CliProcess.RunEmbed("--model", "encoder.onnx", "--input", "images", "--out", "e.npy", "--threads", "0.5");

        Assert.Equal(2, exitCode);
        Assert.Contains("--threads must be 0 or a positive whole number, not '0.5'.", error);
    }
}
