namespace Pipeline.Training.Export;

/// <summary>Where an exported encoder comes from, for the model's metadata: what the encoder itself cannot tell.</summary>
/// <param name="Method">The pretraining method, such as <c>simclr</c>.</param>
/// <param name="Dataset">The dataset URI the encoder was pretrained on.</param>
/// <param name="Metrics">Evaluation figures of this checkpoint, such as <c>knn-100%</c> → accuracy; may be empty.</param>
/// <param name="SourceRun">The run folder.</param>
/// <param name="SourceCheckpoint">The checkpoint's file name.</param>
/// <param name="CheckpointSha256">SHA-256 of the checkpoint file, lower-case hex.</param>
public sealed record ExportProvenance(
    string Method,
    string Dataset,
    IReadOnlyDictionary<string, double> Metrics,
    string SourceRun,
    string SourceCheckpoint,
    string CheckpointSha256);
