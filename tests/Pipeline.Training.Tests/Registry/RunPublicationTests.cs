using Google.Protobuf;
using Onnx;
using Pipeline.Onnx.Quantization;
using Pipeline.Storage;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry;

namespace Pipeline.Training.Tests.Registry;

/// <summary>What a run publishes: the precision variants given beside its encoder are refused before anything is read or published.</summary>
public sealed class RunPublicationTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly ModelRegistry _registry;

    public RunPublicationTests() => _registry = new ModelRegistry(new FileSystemArtifactStore(_folder.File("registry")));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PublishAsync_TwoVariantsOfOnePrecision_AreRefusedByName_AndNothingIsPublished()
    {
        string first = WriteVariant("a/encoder.fp16.onnx", ModelPrecision.Fp16);
        string second = WriteVariant("b/encoder.fp16.onnx", ModelPrecision.Fp16);

        var error = await Assert.ThrowsAsync<PublishVariantException>(() => PublishAsync(first, second));

        Assert.Equal([first, second], error.Paths);
        Assert.Equal($"{first} and {second} are both fp16: a version holds one variant per precision.", error.Message);
        Assert.False(Directory.Exists(_folder.File("registry")), "a refused variant wrote to the registry");
    }

    [Fact]
    public async Task PublishAsync_AVariantThatIsNotThere_IsRefusedByItsPath()
    {
        string variant = WriteVariant("encoder.int8.onnx", ModelPrecision.Int8);
        string missing = _folder.File("no-such.onnx");

        var error = await Assert.ThrowsAsync<PublishVariantException>(() => PublishAsync(variant, missing));

        Assert.Equal([missing], error.Paths);
        Assert.StartsWith($"{missing}: ", error.Message);
        Assert.IsType<FileNotFoundException>(error.InnerException);
    }

    private Task<PublishedModel> PublishAsync(params string[] variants) =>
        RunPublication.PublishAsync(_registry, new RunDirectory(_folder.File("no-run")), "m", [ModelNames.Latest], variants);

    /// <summary>An ONNX model carrying a variant's metadata and nothing else: all that publishing reads of a variant before the upload.</summary>
    private string WriteVariant(string name, ModelPrecision precision)
    {
        var model = new ModelProto { Graph = new GraphProto { Name = "variant" } };
        new PrecisionMetadata
        {
            Precision = precision,
            SourceSha256 = new string('a', 64),
            Proof = new PrecisionProof("fashion-mnist:test", 100, 0.999, 0.99, 10, 0.95),
        }.WriteTo(model);
        string path = _folder.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
