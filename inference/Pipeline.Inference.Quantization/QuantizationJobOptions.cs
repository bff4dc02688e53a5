using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Onnx.Quantization;

namespace Pipeline.Inference.Quantization;

/// <summary>
/// What a user may set to make a precision variant of a model (<see cref="QuantizationJob"/>), the settings of
/// <c>pipeline-infer quantize</c>: the model, the images, the file to write and how to make and prove the variant, the
/// int8-only ones null where left to <see cref="QuantizationOptions"/>'s defaults. <see cref="Resolve"/> turns them into
/// the <see cref="QuantizationOptions"/> the quantizer runs with. A setting's name in errors is the CLI option's without
/// its dashes (<c>calibration-size</c>).
/// </summary>
public sealed record QuantizationJobOptions
{
    /// <summary>The settings a variant is made with when none is given, int8's among them.</summary>
    public static readonly QuantizationOptions Defaults = new() { Precision = ModelPrecision.Int8 };

    /// <summary>The float32 model to make a variant of: an encoder.onnx or a fine-tuned inference_model.onnx.</summary>
    public required string Model { get; init; }

    /// <summary>How ONNX Runtime runs both models, and the SHA-256 the model's file must have (null accepts any).</summary>
    public EmbeddingModelOptions ModelOptions { get; init; } = new();

    /// <summary>The variant to make.</summary>
    public required ModelPrecision Precision { get; init; }

    /// <summary>Images at the model's input: int8 calibrates on a seeded draw of them, and a disjoint draw proves the variant.</summary>
    public required DatasetUri Calibration { get; init; }

    /// <summary>How many images int8 calibrates its activation ranges on (<see cref="Defaults"/>' when null); int8 only.</summary>
    public int? CalibrationImages { get; init; }

    /// <summary>How an activation's range is taken from its values (<see cref="Defaults"/>' when null); int8 only.</summary>
    public CalibrationMethod? CalibrationMethod { get; init; }

    /// <summary>With <see cref="Onnx.Quantization.CalibrationMethod.Percentile"/>: the upper percentile kept, in (50, 100] (<see cref="Defaults"/>' when null); int8 only.</summary>
    public double? Percentile { get; init; }

    /// <summary>How many held-out images, never calibration images, both models embed for the proof.</summary>
    public int ProofImages { get; init; } = Defaults.ProofImages;

    /// <summary>The variant's file, such as encoder.int8.onnx; its folder is created.</summary>
    public required string Output { get; init; }

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> for the first setting that is out of range or conflicts, naming it
    /// (<see cref="InvalidSettingException.Setting"/>); nothing is read or written.
    /// </summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ModelOptions);
        InvalidSettingException.ThrowUnless(!string.IsNullOrWhiteSpace(Model), "model", "must name a model file", $"'{Model}'");
        InvalidSettingException.ThrowUnless(Enum.IsDefined(Precision), "precision",
            $"must be one of {string.Join(", ", Enum.GetValues<ModelPrecision>().Select(PrecisionMetadata.NameOf))}", (int)Precision);
        InvalidSettingException.ThrowUnless(!string.IsNullOrWhiteSpace(Output), "out", "must name a file", $"'{Output}'");
        if (Precision != ModelPrecision.Int8)
        {
            RequireInt8Only("calibration-size", CalibrationImages);
            RequireInt8Only("calibration-method", CalibrationMethod);
            RequireInt8Only("calibration-percentile", Percentile);
        }
        InvalidSettingException.ThrowUnless(CalibrationImages is null or >= 1, "calibration-size", "must be a positive whole number", CalibrationImages);
        InvalidSettingException.ThrowUnless(CalibrationMethod is null || Enum.IsDefined(CalibrationMethod.Value), "calibration-method",
            $"must be one of {string.Join(", ", Enum.GetValues<CalibrationMethod>().Select(PrecisionMetadata.NameOf))}", (int?)CalibrationMethod);
        InvalidSettingException.ThrowUnless(Percentile is null or (> 50 and <= 100), "calibration-percentile", "must be a number above 50 and at most 100",
            Percentile);
        if (ProofImages <= Defaults.Neighbours)
        {
            throw InvalidSettingException.ForSetting("proof-size", $"must be above {Defaults.Neighbours}, not {ProofImages}: "
                + $"the proof compares each image's {Defaults.Neighbours} nearest neighbours among them.");
        }
    }

    /// <summary>The settings the quantizer runs with: these, and <see cref="Defaults"/>' where left null.</summary>
    public QuantizationOptions Resolve() => Defaults with
    {
        Precision = Precision,
        CalibrationImages = CalibrationImages ?? Defaults.CalibrationImages,
        CalibrationMethod = CalibrationMethod ?? Defaults.CalibrationMethod,
        Percentile = Percentile ?? Defaults.Percentile,
        ProofImages = ProofImages,
        Runtime = ModelOptions,
    };

    private static void RequireInt8Only(string setting, object? value)
    {
        if (value is not null)
        {
            throw InvalidSettingException.ForSetting(setting, name =>
                $"applies to {name("precision")} int8 only: float16 calibrates nothing (its {name("calibration")} images only prove it).");
        }
    }
}
