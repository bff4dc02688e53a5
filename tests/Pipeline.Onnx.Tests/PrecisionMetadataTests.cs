using Pipeline.Onnx.Quantization;

namespace Pipeline.Onnx.Tests;

public sealed class PrecisionMetadataTests
{
    private static readonly PrecisionMetadata Int8 = new()
    {
        Precision = ModelPrecision.Int8,
        SourceSha256 = new string('a', 64),
        Calibration = new CalibrationSummary("fashion-mnist:train", 512, CalibrationMethod.Percentile, 99.99),
        Proof = new PrecisionProof("fashion-mnist:train", 1000, 0.998, 0.97, 10, 0.91),
    };

    [Fact]
    public void ToProperties_WritesTheJsonValuesInCamelCase_AndReadsBack()
    {
        Dictionary<string, string> properties = new(Int8.ToProperties());

        Assert.Equal("""{"data":"fashion-mnist:train","images":1000,"meanCosine":0.998,"minCosine":0.97,"neighbours":10,"neighbourAgreement":0.91}""",
            properties[PrecisionMetadata.ProofKey]);
        Assert.Equal("""{"data":"fashion-mnist:train","images":512,"method":"percentile","percentile":99.99}""", properties[PrecisionMetadata.CalibrationKey]);
        Assert.Equal(Int8, PrecisionMetadata.FromProperties(properties));
    }

    [Fact]
    public void FromProperties_AVariantWrittenBeforeTheOneCasing_Reads()
    {
        // A variant's proof as pipeline-infer quantize wrote it before the one casing: snake_case names.
        var properties = new Dictionary<string, string>(Int8.ToProperties())
        {
            [PrecisionMetadata.ProofKey] =
                """{"data":"fashion-mnist:train","images":1000,"mean_cosine":0.998,"min_cosine":0.97,"neighbours":10,"neighbour_agreement":0.91}""",
        };

        Assert.Equal(Int8, PrecisionMetadata.FromProperties(properties));
    }
}
