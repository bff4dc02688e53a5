using Pipeline.Data;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// An evaluation of a run's checkpoint as <see cref="RunEvaluation.Evaluate"/> scores it: which protocols at which label
/// fractions, on which labelled and test images, with which classifiers. What a <see cref="Pretraining.PretrainJob"/>
/// scores between training and export, so that the exported encoder's metadata and the report carry the figures.
/// </summary>
public sealed record RunEvaluationOptions
{
    /// <summary>The (protocol, label fraction) pairs to score, all on one embedding pass: kNN with every label by default.</summary>
    public IReadOnlyList<(EvaluationProtocol Protocol, LabelFraction Fraction)> Evaluations { get; init; } =
        [(EvaluationProtocol.Knn, LabelFraction.Parse("100%"))];

    /// <summary>The labelled images the classifiers learn from, a dataset URI; null for the run's training data.</summary>
    public string? TrainData { get; init; }

    /// <summary>The images scored, a dataset URI; null for the training data's test split (<see cref="RunEvaluation.DefaultTestData"/>).</summary>
    public string? TestData { get; init; }

    /// <summary>Seeds the label draw and the linear probe.</summary>
    public int Seed { get; init; }

    /// <summary>The classifiers, at the evaluate verb's defaults (kNN k = 200, T = 0.1; a 1,000-step probe) unless told.</summary>
    public EvaluationClassifiers Classifiers { get; init; } = new(new KnnClassifier(), new LinearProbe());
}
