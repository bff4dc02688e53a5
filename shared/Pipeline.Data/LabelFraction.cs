using System.Globalization;
using Pipeline.Errors;

namespace Pipeline.Data;

/// <summary>How many labels a fine-tune or probe may use: a percentage of the labelled set or a count of images.</summary>
/// <example><c>LabelFraction.Parse("1%").Select(trainLabels, 10, seed: 0)</c> gives Fashion-MNIST's 600 = 60 per class.</example>
public sealed record LabelFraction
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms =
        "a percentage p% with 0 < p <= 100 (1%, 10%, 0.5%, 100%) or a positive whole number of labels (600)";

    private LabelFraction(double? percent, int? count)
    {
        Percent = percent;
        Count = count;
    }

    /// <summary>The percentage, when given as one; else null.</summary>
    public double? Percent { get; }

    /// <summary>The number of labels, when given as one; else null.</summary>
    public int? Count { get; }

    /// <summary>A fraction of <paramref name="percent"/>% of the images, 0 &lt; percent ≤ 100.</summary>
    public static LabelFraction FromPercent(double percent)
    {
        if (!IsPercent(percent))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, $"A label percentage is {AcceptedForms}.");
        }
        return new LabelFraction(percent, null);
    }

    /// <summary>A fixed number of labels, at least one.</summary>
    public static LabelFraction FromCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new LabelFraction(null, count);
    }

    /// <summary>Parses "1%", "0.5%", "100%" or "600" (invariant culture, no signs, no exponents).</summary>
    /// <exception cref="InvalidSettingException">The text is none of <see cref="AcceptedForms"/>.</exception>
    public static LabelFraction Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.EndsWith('%')
            && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture,
                out double percent)
            && IsPercent(percent))
        {
            return FromPercent(percent);
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0)
        {
            return FromCount(count);
        }
        throw new InvalidSettingException($"'{text}' is not a label fraction: use {AcceptedForms}.");
    }

    /// <summary>
    /// How many of <paramref name="imageCount"/> labels this allows: the count, or round(p% of the images) but at
    /// least one, so that a tiny percentage of a small set still trains on something.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count above <paramref name="imageCount"/>.</exception>
    public int CountFor(int imageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imageCount);
        if (Count is { } count)
        {
            if (count > imageCount)
            {
                throw new ArgumentOutOfRangeException(nameof(imageCount), imageCount,
                    $"{count} labels asked for, but the set has only {imageCount} images.");
            }
            return count;
        }
        if (imageCount == 0)
        {
            return 0;
        }
        double exact = imageCount * Percent!.Value / 100;
        return Math.Clamp((int)Math.Round(exact, MidpointRounding.AwayFromZero), 1, imageCount);
    }

    /// <summary>
    /// The indices of the images whose labels may be used, ascending, class-balanced and seeded
    /// (see <see cref="BalancedLabelSampler.Sample"/>); all of them at 100%.
    /// </summary>
    public int[] Select(IReadOnlyList<int> labels, int classCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return BalancedLabelSampler.Sample(labels, classCount, CountFor(labels.Count), seed);
    }

    private static bool IsPercent(double percent) => percent > 0 && percent <= 100;

    /// <summary>"1%", "0.5%" or "600": text <see cref="Parse"/> reads back.</summary>
    public override string ToString() =>
        Percent is { } percent ? percent.ToString(CultureInfo.InvariantCulture) + "%" : Count!.Value.ToString(CultureInfo.InvariantCulture);
}
