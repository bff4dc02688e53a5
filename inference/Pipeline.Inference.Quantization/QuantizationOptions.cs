using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>How <see cref="ModelQuantizer"/> makes and proves a precision variant.</summary>
public sealed record QuantizationOptions
{
    /// <summary>The variant to make.</summary>
    public required ModelPrecision Precision { get; init; }

    /// <summary>How int8 activation ranges are taken from the calibration images; percentile by default (see the README's figures).</summary>
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.Percentile;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the upper percentile kept, in (50, 100]; the lower is 100 minus it.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>How many images int8 calibrates on (float16 calibrates on none).</summary>
    public int CalibrationImages { get; init; } = 1024;

    /// <summary>How many held-out images, none of them calibration images, both models embed for the proof.</summary>
    public int ProofImages { get; init; } = 1000;

    /// <summary>k of the proof's nearest-neighbour agreement.</summary>
    public int Neighbours { get; init; } = 10;

    /// <summary>Seeds the draw of calibration and proof images from the data.</summary>
    public int Seed { get; init; }

    /// <summary>The limits the proof must meet; <see cref="PrecisionLimits.For"/> the precision when null.</summary>
    public PrecisionLimits? Limits { get; init; }

    /// <summary>How ONNX Runtime runs the models (threads, execution provider).</summary>
    public EmbeddingModelOptions Runtime { get; init; } = new();

    /// <summary>How many images of the data the variant needs: the calibration images (int8) and the proof images.</summary>
    public int ImagesNeeded => (Precision == ModelPrecision.Int8 ? CalibrationImages : 0) + ProofImages;

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(CalibrationImages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Neighbours);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProofImages, Neighbours);
        if (!(Percentile > 50 && Percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(Percentile), Percentile, "The upper percentile must be above 50 and at most 100.");
        }
        ArgumentNullException.ThrowIfNull(Runtime);
    }
}
