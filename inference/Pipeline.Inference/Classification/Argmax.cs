namespace Pipeline.Inference.Classification;

/// <summary>The predicted class of a row of logits or probabilities: the index of its largest value, the first one on ties.</summary>
public static class Argmax
{
    public static int Of(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }
        return best;
    }
}
