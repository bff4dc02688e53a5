namespace Pipeline.Training.Evaluation;

/// <summary>How frozen embeddings are scored: <c>knn</c> (<see cref="KnnClassifier"/>) or <c>linear</c> (<see cref="LinearProbe"/>).</summary>
public enum EvaluationProtocol
{
    Knn,
    Linear,
}
