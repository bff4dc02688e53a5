using System.Globalization;
using System.Text.Json.Serialization;

namespace Pipeline.Training.Augmentations;

/// <summary>
/// The random-transformation settings of SimCLR's data augmentation (Chen et al. 2020, "A Simple Framework for
/// Contrastive Learning of Visual Representations", Appendix A), with defaults from the paper's CIFAR-10 setting:
/// crop and flip as in Appendix A, colour distortion of strength s = 0.5 (Appendix B.9), and no Gaussian blur.
/// </summary>
/// <remarks>
/// Ranges are inclusive <c>(Min, Max)</c> pairs. <see cref="Validate"/> throws an <see cref="ArgumentException"/>
/// naming the offending value and the accepted range; <see cref="SimClrAugmentation"/> calls it at construction.
/// Saturation, hue and grayscale act only on 3-channel (RGB) images; on 1-channel images they are no-ops.
/// </remarks>
public sealed record SimClrAugmentationOptions
{
    /// <summary>The colour distortion strength s of the defaults: 0.5, the paper's CIFAR-10 setting (Appendix B.9).</summary>
    public const double DefaultColorStrength = 0.5;

    /// <summary>Options that change nothing: every probability and strength is 0, the crop the whole image.</summary>
    public static SimClrAugmentationOptions None { get; } = new()
    {
        CropScale = (1.0, 1.0),
        CropAspectRatio = (1.0, 1.0),
        HorizontalFlipProbability = 0.0,
        ColorJitterProbability = 0.0,
        Brightness = 0.0,
        Contrast = 0.0,
        Saturation = 0.0,
        Hue = 0.0,
        GrayscaleProbability = 0.0,
        BlurProbability = 0.0,
        ErasingProbability = 0.0,
    };

    /// <summary>
    /// Range of the crop's area as a fraction of the image's area; default (0.08, 1.0) from Appendix A
    /// ("uniform from 0.08 to 1.0 in area"). Accepted: 0 &lt; Min &lt;= Max &lt;= 1.
    /// </summary>
    [JsonConverter(typeof(RangeJsonConverter))]
    public (double Min, double Max) CropScale { get; init; } = (0.08, 1.0);

    /// <summary>
    /// Range of the crop's width/height ratio, drawn log-uniformly; default (3/4, 4/3) from Appendix A.
    /// Accepted: 0 &lt; Min &lt;= Max, finite.
    /// </summary>
    [JsonConverter(typeof(RangeJsonConverter))]
    public (double Min, double Max) CropAspectRatio { get; init; } = (3.0 / 4.0, 4.0 / 3.0);

    /// <summary>Probability of a horizontal flip; default 0.5 from Appendix A. Accepted: [0, 1].</summary>
    public double HorizontalFlipProbability { get; init; } = 0.5;

    /// <summary>
    /// Probability that the colour jitter (brightness, contrast, saturation, hue) is applied to a sample; default 0.8
    /// from Appendix A's pseudo-code. Accepted: [0, 1].
    /// </summary>
    public double ColorJitterProbability { get; init; } = 0.8;

    /// <summary>
    /// Brightness strength b: the image is multiplied by a factor drawn from [max(0, 1 - b), 1 + b]; default 0.4 =
    /// 0.8s with the CIFAR-10 strength s = 0.5 (Appendix A, B.9). Accepted: b &gt;= 0, finite.
    /// </summary>
    public double Brightness { get; init; } = 0.8 * DefaultColorStrength;

    /// <summary>
    /// Contrast strength c: the image is blended with its mean grey level by a factor drawn from
    /// [max(0, 1 - c), 1 + c]; default 0.4 = 0.8s with s = 0.5 (Appendix A, B.9). Accepted: c &gt;= 0, finite.
    /// </summary>
    public double Contrast { get; init; } = 0.8 * DefaultColorStrength;

    /// <summary>
    /// Saturation strength: the image is blended with its grayscale version by a factor drawn from
    /// [max(0, 1 - strength), 1 + strength]; 3-channel images only. Default 0.4 = 0.8s with s = 0.5 (Appendix A, B.9).
    /// Accepted: &gt;= 0, finite.
    /// </summary>
    public double Saturation { get; init; } = 0.8 * DefaultColorStrength;

    /// <summary>
    /// Hue strength h: the hue is rotated by a fraction of a full turn drawn from [-h, h]; 3-channel images only.
    /// Default 0.1 = 0.2s with s = 0.5 (Appendix A, B.9). Accepted: [0, 0.5].
    /// </summary>
    public double Hue { get; init; } = 0.2 * DefaultColorStrength;

    /// <summary>
    /// Probability of converting a sample to grayscale (kept as 3 equal channels); 3-channel images only.
    /// Default 0.2 from Appendix A. Accepted: [0, 1].
    /// </summary>
    public double GrayscaleProbability { get; init; } = 0.2;

    /// <summary>
    /// Probability of a Gaussian blur. Default 0: the paper blurs ImageNet images with probability 0.5 (Appendix A)
    /// but not CIFAR-10's 32x32 images (Appendix B.9). Accepted: [0, 1].
    /// </summary>
    public double BlurProbability { get; init; }

    /// <summary>
    /// Range of the blur's standard deviation in pixels, drawn uniformly; default (0.1, 2.0) from Appendix A.
    /// Accepted: 0 &lt; Min &lt;= Max, finite.
    /// </summary>
    [JsonConverter(typeof(RangeJsonConverter))]
    public (double Min, double Max) BlurSigma { get; init; } = (0.1, 2.0);

    /// <summary>
    /// Blur kernel size as a fraction of the shorter image side, rounded to the nearest odd size of at least 3;
    /// default 0.1 from Appendix A ("10% of the image height/width"). Accepted: (0, 1].
    /// </summary>
    public double BlurKernelFraction { get; init; } = 0.1;

    /// <summary>
    /// Probability of random erasing (Zhong et al. 2020; Cutout): not part of SimCLR, so default 0; FixMatch's strong
    /// views erase every image. Accepted: [0, 1].
    /// </summary>
    public double ErasingProbability { get; init; }

    /// <summary>
    /// Range of the erased rectangle's area as a fraction of the image, drawn uniformly; default (0.02, 0.33) from
    /// Zhong et al. Accepted: 0 &lt; Min &lt;= Max &lt;= 1.
    /// </summary>
    [JsonConverter(typeof(RangeJsonConverter))]
    public (double Min, double Max) ErasingScale { get; init; } = (0.02, 0.33);

    /// <summary>
    /// These options with the colour distortion of strength <paramref name="strength"/> (s): brightness, contrast and
    /// saturation 0.8s, hue 0.2s, the paper's scaling (Appendix A).
    /// </summary>
    public SimClrAugmentationOptions WithColorStrength(double strength) =>
        this with { Brightness = 0.8 * strength, Contrast = 0.8 * strength, Saturation = 0.8 * strength, Hue = 0.2 * strength };

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the first invalid setting, its value and the accepted range.
    /// </summary>
    public void Validate()
    {
        if (!(CropScale.Min > 0 && CropScale.Min <= CropScale.Max && CropScale.Max <= 1))
        {
            throw Invalid(nameof(CropScale), CropScale, "0 < Min <= Max <= 1");
        }

        var (ratioMin, ratioMax) = CropAspectRatio;
        if (!(ratioMin > 0 && ratioMin <= ratioMax && double.IsFinite(ratioMax)))
        {
            throw Invalid(nameof(CropAspectRatio), CropAspectRatio, "0 < Min <= Max, finite");
        }

        RequireProbability(nameof(HorizontalFlipProbability), HorizontalFlipProbability);
        RequireProbability(nameof(ColorJitterProbability), ColorJitterProbability);
        RequireStrength(nameof(Brightness), Brightness);
        RequireStrength(nameof(Contrast), Contrast);
        RequireStrength(nameof(Saturation), Saturation);
        if (!(Hue >= 0 && Hue <= 0.5))
        {
            throw Invalid(nameof(Hue), Hue, "[0, 0.5]");
        }

        RequireProbability(nameof(GrayscaleProbability), GrayscaleProbability);
        RequireProbability(nameof(BlurProbability), BlurProbability);
        if (!(BlurSigma.Min > 0 && BlurSigma.Min <= BlurSigma.Max && double.IsFinite(BlurSigma.Max)))
        {
            throw Invalid(nameof(BlurSigma), BlurSigma, "0 < Min <= Max, finite");
        }

        if (!(BlurKernelFraction > 0 && BlurKernelFraction <= 1))
        {
            throw Invalid(nameof(BlurKernelFraction), BlurKernelFraction, "(0, 1]");
        }

        RequireProbability(nameof(ErasingProbability), ErasingProbability);
        if (!(ErasingScale.Min > 0 && ErasingScale.Min <= ErasingScale.Max && ErasingScale.Max <= 1))
        {
            throw Invalid(nameof(ErasingScale), ErasingScale, "0 < Min <= Max <= 1");
        }
    }

    private static void RequireProbability(string name, double value)
    {
        // Written as a negated range test so that NaN is refused too.
        if (!(value >= 0 && value <= 1))
        {
            throw Invalid(name, value, "[0, 1]");
        }
    }

    private static void RequireStrength(string name, double value)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            throw Invalid(name, value, ">= 0, finite");
        }
    }

    private static ArgumentException Invalid(string name, double value, string accepted) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{name} is {value}; accepted: {accepted}."), name);

    private static ArgumentException Invalid(string name, (double Min, double Max) value, string accepted) =>
        new(
            string.Create(CultureInfo.InvariantCulture, $"{name} is ({value.Min}, {value.Max}); accepted: {accepted}."),
            name);
}
