using Google.Protobuf;
using Onnx;

namespace Pipeline.Onnx.Tests;

public sealed class EmbeddingModelMetadataTests
{
    private static readonly EmbeddingModelMetadata Sample = new()
    {
        Method = "simclr",
        Encoder = "resnet18",
        Channels = 3,
        Height = 32,
        Width = 32,
        ChannelOrder = "RGB",
        EmbeddingDim = 512,
        Mean = [0.49f, 0.48f, 0.45f],
        Std = [0.247f, 0.243f, 0.261f],
        Dataset = "folder:/data/cifar",
        Metrics = new Dictionary<string, double> { ["knn-100%"] = 0.8312, ["linear-1%"] = 0.7 },
        SourceRun = "/runs/a",
        SourceCheckpoint = "step-00000100.safetensors",
        CheckpointSha256 = new string('a', 64),
        CreatedUtc = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 123, TimeSpan.Zero),
        ParityMaxAbsDiff = 3.1e-6,
    };

    [Fact]
    public void WriteToThenReadFrom_ThroughTheFileBytes_RoundTripsEveryField()
    {
        var model = new ModelProto();

        Sample.WriteTo(model);
        EmbeddingModelMetadata read = EmbeddingModelMetadata.ReadFrom(ModelProto.Parser.ParseFrom(model.ToByteArray()));

        Assert.Equal(Sample.FormatVersion, read.FormatVersion);
        Assert.Equal(Sample.Method, read.Method);
        Assert.Equal(Sample.Encoder, read.Encoder);
        Assert.Equal((3, 32, 32), (read.Channels, read.Height, read.Width));
        Assert.Equal(Sample.ChannelOrder, read.ChannelOrder);
        Assert.Equal(Sample.EmbeddingDim, read.EmbeddingDim);
        Assert.Equal(Sample.Mean, read.Mean);
        Assert.Equal(Sample.Std, read.Std);
        Assert.Equal(Sample.Dataset, read.Dataset);
        Assert.Equal(Sample.Metrics.OrderBy(pair => pair.Key), read.Metrics.OrderBy(pair => pair.Key));
        Assert.Equal(Sample.SourceRun, read.SourceRun);
        Assert.Equal(Sample.SourceCheckpoint, read.SourceCheckpoint);
        Assert.Equal(Sample.CheckpointSha256, read.CheckpointSha256);
        Assert.Equal(Sample.CreatedUtc, read.CreatedUtc);
        Assert.Equal(Sample.ParityMaxAbsDiff, read.ParityMaxAbsDiff);
    }

    [Fact]
    public void ProjectionLayers_AreWrittenOnlyAboveZero_AndReadAsZeroWhenAbsent()
    {
        var plain = new ModelProto();
        var projected = new ModelProto();

        Sample.WriteTo(plain);
        (Sample with { ProjectionLayers = 1 }).WriteTo(projected);

        Assert.DoesNotContain(plain.MetadataProps, entry => entry.Key == EmbeddingModelMetadata.ProjectionLayersKey);
        Assert.Equal(0, EmbeddingModelMetadata.ReadFrom(plain).ProjectionLayers);
        Assert.Equal("1", projected.MetadataProps.Single(entry => entry.Key == EmbeddingModelMetadata.ProjectionLayersKey).Value);
        Assert.Equal(1, EmbeddingModelMetadata.ReadFrom(projected).ProjectionLayers);
        Assert.Throws<ArgumentException>(() => (Sample with { ProjectionLayers = -1 }).WriteTo(new ModelProto()));
    }

    [Fact]
    public void WriteTo_WritesOnlyPrefixedKeys_WithPlainValuesAnyRuntimeCanRead()
    {
        var model = new ModelProto();

        Sample.WriteTo(model);
        var properties = model.MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value);

        Assert.All(properties.Keys, key => Assert.StartsWith("pipeline.", key));
        Assert.Equal("N,3,32,32", properties["pipeline.input_shape"]);
        Assert.Equal("512", properties["pipeline.embedding_dim"]);
        Assert.Equal("0,1", properties["pipeline.input_range"]);
        Assert.Equal("""{"mean":[0.49,0.48,0.45],"std":[0.247,0.243,0.261]}""", properties["pipeline.normalization"]);
        Assert.Equal("2025-03-04T05:06:07.1230000Z", properties["pipeline.created_utc"]);
    }

    [Fact]
    public void WriteTo_ReplacesEarlierPipelineKeys_AndKeepsOthers()
    {
        var model = new ModelProto();
        model.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "someone" });
        Sample.WriteTo(model);

        (Sample with { Method = "vae" }).WriteTo(model);

        Assert.Equal("vae", EmbeddingModelMetadata.ReadFrom(model).Method);
        Assert.Single(model.MetadataProps, entry => entry.Key == EmbeddingModelMetadata.MethodKey);
        Assert.Single(model.MetadataProps, entry => entry.Key == "author");
    }

    [Fact]
    public void ReadFrom_AModelWithoutTheMetadata_SaysWhichKeyIsMissing()
    {
        var error = Assert.Throws<InvalidDataException>(() => EmbeddingModelMetadata.ReadFrom(new ModelProto()));

        Assert.Contains("pipeline.format_version", error.Message);
    }

    [Fact]
    public void ReadFrom_ANewerFormat_RefusesAndSaysToUpdate()
    {
        var model = new ModelProto();
        (Sample with { FormatVersion = EmbeddingModelMetadata.CurrentFormatVersion + 1 }).WriteTo(model);

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingModelMetadata.ReadFrom(model));

        Assert.Contains("newer", error.Message);
    }

    [Fact]
    public void ReadFrom_AMalformedValue_NamesTheKeyAndTheValue()
    {
        var model = new ModelProto();
        Sample.WriteTo(model);
        model.MetadataProps.Single(entry => entry.Key == EmbeddingModelMetadata.EmbeddingDimKey).Value = "wide";

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingModelMetadata.ReadFrom(model));

        Assert.Contains("pipeline.embedding_dim", error.Message);
        Assert.Contains("'wide'", error.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void WriteTo_ABadChecksum_Throws(string sha256)
    {
        var error = Assert.Throws<ArgumentException>(() => (Sample with { CheckpointSha256 = sha256 }).WriteTo(new ModelProto()));

        Assert.Contains("64 lower-case hex digits", error.Message);
    }

    [Fact]
    public void WriteTo_NormalisationOfTheWrongLength_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => (Sample with { Std = [0.2f] }).WriteTo(new ModelProto()));

        Assert.Contains("one mean and one std per channel (3)", error.Message);
    }
}
