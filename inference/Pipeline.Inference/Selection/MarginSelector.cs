using Pipeline.Errors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// Uncertainty sampling by margin (Scheffer, Decomain and Wrobel 2001; Settles 2009, §3.1): each unlabelled image is
/// ranked by the gap between its two most probable classes under a classifier fine-tuned on the labels so far, and the
/// images with the smallest gaps — those the classifier can least tell between two classes — are chosen first.
/// </summary>
/// <remarks>
/// A strategy for later rounds: it needs a classifier, so labels, and at small budgets it loses to typicality
/// (Hacohen et al. 2022: with few labels the uncertain images are outliers). No randomness: ties go to the lower index.
/// </remarks>
public static class MarginSelector
{
    /// <summary>
    /// Chooses <paramref name="budget"/> images that are not in <paramref name="labelled"/>, smallest margin first.
    /// </summary>
    /// <param name="probabilities">Every image's class probabilities, [N, <paramref name="classes"/>] row-major.</param>
    /// <param name="classes">How many classes the classifier has, at least two.</param>
    /// <param name="budget">Images to choose, from 1 to the number not yet labelled.</param>
    /// <param name="labelled">Indices of the images already labelled.</param>
    /// <param name="cancellationToken">Stops the selection.</param>
    /// <exception cref="ArgumentOutOfRangeException">The budget is not positive, or more than the images not yet labelled.</exception>
    /// <exception cref="ArgumentException">A labelled index is outside the pool, or the probabilities are not whole rows.</exception>
    /// <exception cref="UserErrorException">A probability is not finite: the classifier is broken for these images.</exception>
    public static SelectionResult Select(ReadOnlySpan<float> probabilities, int classes, int budget, IReadOnlySet<int> labelled,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (probabilities.Length % classes != 0)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities are not rows of {classes} classes.", nameof(probabilities));
        }
        int count = probabilities.Length / classes;
        ImageSelection.Validate(count, budget, labelled);
        var margins = new List<(float Margin, int Index)>(count - labelled.Count);
        for (int index = 0; index < count; index++)
        {
            if ((index & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (!labelled.Contains(index))
            {
                margins.Add((Margin(probabilities.Slice(index * classes, classes)), index));
            }
        }
        margins.Sort();
        return new SelectionResult(SelectionStrategy.Margin,
            margins.Take(budget).Select(pick => new SelectedImage(pick.Index, Margin: pick.Margin)).ToArray());
    }

    /// <summary>The largest probability minus the second largest.</summary>
    private static float Margin(ReadOnlySpan<float> row)
    {
        float first = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (float p in row)
        {
            if (!float.IsFinite(p))
            {
                throw new UserErrorException("The classifier's probabilities hold a NaN or infinite value: the classifier is broken for these images.");
            }
            if (p > first)
            {
                (first, second) = (p, first);
            }
            else if (p > second)
            {
                second = p;
            }
        }
        return first - second;
    }
}
