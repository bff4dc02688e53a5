using System.Diagnostics;
using Pipeline.Data;
using Pipeline.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// The raw-pixel baseline a learned representation must beat: the same kNN and linear probe that score a run's
/// embeddings, on each image's pixels flattened to a vector of C·H·W grey levels, standardised per pixel position by
/// <see cref="EmbeddingEvaluation"/> exactly as embeddings are (<see cref="FeatureStandardization"/>).
/// </summary>
public static class PixelBaseline
{
    /// <summary>The name the baseline's results carry in place of a method.</summary>
    public const string Name = "pixels";

    /// <summary>The pixels of the training and test images in [0, 1], float32 [N, C·H·W] and [Q, C·H·W].</summary>
    /// <exception cref="InvalidSettingException">The sets' images differ in shape.</exception>
    /// <exception cref="DataFormatException">There are no training images.</exception>
    public static (Tensor Train, Tensor Test) Features(ImageSet train, ImageSet test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Shape != test.Shape)
        {
            throw new InvalidSettingException(
                $"The pixel baseline compares pixel by pixel, so both sets need one shape: {train.Source} is {train.Channels}x{train.Height}x{train.Width}, {test.Source} is {test.Channels}x{test.Height}x{test.Width}.");
        }
        if (train.Count == 0)
        {
            throw new DataFormatException(train.Source, "holds no images to take pixel statistics from.");
        }
        return (Flatten(train), Flatten(test));
    }

    /// <summary>
    /// Loads the two sets and scores every (protocol, fraction) pair on their pixels; nothing is written unless
    /// <paramref name="predictionsDirectory"/> is given.
    /// </summary>
    /// <param name="trainData">Dataset URI of the labelled images (their pixels also give the statistics).</param>
    /// <param name="testData">Dataset URI of the images to score, loaded at the training images' shape.</param>
    /// <param name="evaluations">Protocols (knn, linear) and label fractions.</param>
    /// <param name="seed">Seeds the fractions' draws and the probe.</param>
    /// <param name="classifiers">The kNN classifier and linear probe the runs are scored with, tuned the same way.</param>
    /// <param name="predictionsDirectory">Where each result's per-image predictions go (<see cref="EvaluationPredictions"/>), created if missing; null writes none.</param>
    /// <param name="cancellationToken">Stops loading and the probes' fits.</param>
    public static IReadOnlyList<EvaluationResult> Evaluate(string trainData, string testData,
        IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> evaluations, int seed, EvaluationClassifiers classifiers,
        string? predictionsDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(trainData);
        ArgumentException.ThrowIfNullOrEmpty(testData);
        ArgumentNullException.ThrowIfNull(evaluations);
        if (evaluations.Any(evaluation => evaluation.Protocol == EvaluationProtocol.Elbo))
        {
            throw new ArgumentException("Pixels have no ELBO: score them with the knn or linear protocol.", nameof(evaluations));
        }
        var clock = Stopwatch.StartNew();
        ImageSet train = DatasetLoader.Load(trainData, cancellationToken: cancellationToken);
        ImageSet test = DatasetLoader.Load(testData, train.Shape, cancellationToken);
        (Tensor trainFeatures, Tensor testFeatures) = Features(train, test);
        using (trainFeatures)
        using (testFeatures)
        {
            return EmbeddingEvaluation.ScoreEach(trainFeatures, train, trainData, testFeatures, test, testData, evaluations,
                seed, classifiers, new EvaluatedSubject(null, 0, Name, "none"), clock.Elapsed.TotalSeconds, predictionsDirectory, cancellationToken);
        }
    }

    private static Tensor Flatten(ImageSet images) =>
        tensor(images.Pixels, ScalarType.Byte).reshape(images.Count, images.ImageSize).to(ScalarType.Float32).div_(255f);
}
