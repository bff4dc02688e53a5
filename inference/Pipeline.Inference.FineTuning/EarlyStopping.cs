namespace Pipeline.Inference.FineTuning;

/// <summary>
/// Keeps the weights of the epoch with the lowest validation loss and says when that has not improved for
/// <c>patience</c> epochs (0: never). Without validation every epoch is the best and nothing is copied.
/// </summary>
internal sealed class EarlyStopping(bool validating, int patience)
{
    public int BestEpoch { get; private set; }

    public double? BestLoss { get; private set; }

    public double? BestAccuracy { get; private set; }

    public int StaleEpochs { get; private set; }

    /// <summary>The best epoch's parameters, in manifest order; null without validation.</summary>
    public float[][]? BestParameters { get; private set; }

    public bool Stopped => validating && patience > 0 && StaleEpochs >= patience;

    /// <summary>Records an epoch's validation figures; copies <paramref name="parameters"/> when they are the best so far.</summary>
    public bool Record(int epoch, (double Loss, double Accuracy)? validation, Func<float[][]> parameters)
    {
        if (validation is not { } figures)
        {
            BestEpoch = epoch;
            return true;
        }
        if (BestLoss is { } best && !(figures.Loss < best))
        {
            StaleEpochs++;
            return false;
        }
        BestEpoch = epoch;
        BestLoss = figures.Loss;
        BestAccuracy = figures.Accuracy;
        StaleEpochs = 0;
        BestParameters = parameters().Select(values => (float[])values.Clone()).ToArray();
        return true;
    }

    public void Restore(int bestEpoch, int staleEpochs, double? bestLoss, double? bestAccuracy, float[][]? bestParameters)
    {
        BestEpoch = bestEpoch;
        StaleEpochs = staleEpochs;
        BestLoss = bestLoss;
        BestAccuracy = bestAccuracy;
        BestParameters = validating ? bestParameters : null;
    }
}
