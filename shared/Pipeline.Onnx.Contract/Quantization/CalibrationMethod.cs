namespace Pipeline.Onnx.Quantization;

/// <summary>How the range an activation tensor is quantized over is taken from its values on the calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen: nothing clips, and one outlier widens every step.</summary>
    MinMax,

    /// <summary>
    /// The values at a low and a high percentile (such as 0.01% and 99.99%): the rarest outliers clip, so the steps are finer
    /// for everything else.
    /// </summary>
    Percentile,
}
