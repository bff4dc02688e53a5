namespace Pipeline.Training.Evaluation;

/// <summary>
/// How a run is scored: frozen embeddings by <c>knn</c> (<see cref="KnnClassifier"/>) or <c>linear</c>
/// (<see cref="LinearProbe"/>) at a label fraction, or a VAE by its test <c>elbo</c> (<see cref="ElboResult"/>).
/// </summary>
public enum EvaluationProtocol
{
    Knn,
    Linear,
    Elbo,
}
