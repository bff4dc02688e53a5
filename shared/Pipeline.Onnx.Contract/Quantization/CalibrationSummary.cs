namespace Pipeline.Onnx.Quantization;

/// <summary>What an int8 model's activation ranges were calibrated on, recorded in its metadata.</summary>
/// <param name="Data">The dataset URI the images came from, such as <c>fashion-mnist:train</c>.</param>
/// <param name="Images">How many images were run.</param>
/// <param name="Method">How each tensor's range was taken from its values.</param>
/// <param name="Percentile">For <see cref="CalibrationMethod.Percentile"/>, the upper percentile kept (such as 99.99); null otherwise.</param>
public sealed record CalibrationSummary(string Data, int Images, CalibrationMethod Method, double? Percentile);
