using Pipeline.Data;
using Pipeline.Errors;

namespace Pipeline.Inference.Selection;

/// <summary>
/// What a user may set to choose which images of a pool to label (<see cref="SelectionJob"/>), the settings of
/// <c>pipeline-infer select</c>, with their defaults. A setting's name in errors is the CLI option's without its dashes
/// (<c>embedding-cache</c>).
/// </summary>
public sealed record SelectionOptions
{
    /// <summary>The encoder.onnx whose embeddings the strategy chooses from; for <see cref="SelectionStrategy.Margin"/>, a fine-tuned inference_model.onnx.</summary>
    public required string Model { get; init; }

    /// <summary>How ONNX Runtime runs the model, and the SHA-256 its file must have (null accepts any).</summary>
    public EmbeddingModelOptions ModelOptions { get; init; } = new();

    /// <summary>The pool to choose from; its labels, when it has any, are never used to choose.</summary>
    public required DatasetUri Data { get; init; }

    /// <summary>How many images to choose, at least 1 and at most the pool's images not yet labelled.</summary>
    public required int Budget { get; init; }

    /// <summary>How to choose.</summary>
    public SelectionStrategy Strategy { get; init; } = SelectionStrategy.Typiclust;

    /// <summary>
    /// A file of ids of images already labelled (<see cref="ImageIdFile"/>, such as an earlier round's output): never
    /// chosen again, and the strategy continues from them. Null: none is labelled yet.
    /// </summary>
    public string? Labelled { get; init; }

    /// <summary>
    /// MaxHerding's Gaussian kernel width σ between unit embeddings (above 0, at most 2); null:
    /// <see cref="MaxHerdingSelector.DefaultBandwidth"/>. Only for <see cref="SelectionStrategy.MaxHerding"/>.
    /// </summary>
    public double? Bandwidth { get; init; }

    /// <summary>Seeds k-means, k-center's first pick, random, and the images MaxHerding measures coverage over.</summary>
    public int Seed { get; init; }

    /// <summary>The CSV to write (<see cref="SelectionFile"/>); its folder must exist.</summary>
    public required string Output { get; init; }

    /// <summary>
    /// A safetensors file that keeps the pool's embeddings (<see cref="PoolEmbeddingCache"/>): read when the same model
    /// made them from the same images, written otherwise. Null: none. Only for strategies that choose from embeddings.
    /// </summary>
    public string? EmbeddingCache { get; init; }

    /// <summary>Images the model runs at once.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Whether <see cref="Strategy"/> ranks by a classifier's probabilities rather than by the pool's embeddings.</summary>
    public bool ByClassifier => ImageSelection.NeedsClassifier(Strategy);

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> for the first setting that is out of range or conflicts, naming it
    /// (<see cref="InvalidSettingException.Setting"/>); nothing is read or written.
    /// </summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ModelOptions);
        InvalidSettingException.ThrowUnless(!string.IsNullOrWhiteSpace(Model), "model", "must name a model file", $"'{Model}'");
        InvalidSettingException.ThrowUnless(Budget >= 1, "budget", "must be a positive whole number", Budget);
        InvalidSettingException.ThrowUnless(Enum.IsDefined(Strategy), "strategy",
            $"must be one of {string.Join(", ", Enum.GetValues<SelectionStrategy>().Select(ImageSelection.NameOf))}", (int)Strategy);
        InvalidSettingException.ThrowUnless(Strategy != SelectionStrategy.MaxHerding || Budget <= MaxHerdingSelector.MaxBudget, "budget",
            $"must be at most {MaxHerdingSelector.MaxBudget} for maxherding, a strategy for small budgets (kcenter covers larger ones)", Budget);
        if (Bandwidth is { } bandwidth)
        {
            if (Strategy != SelectionStrategy.MaxHerding)
            {
                throw InvalidSettingException.ForSetting("bandwidth", name => $"is the width of maxherding's kernel, and the strategy is "
                    + $"{ImageSelection.NameOf(Strategy)}: leave {name("bandwidth")} out.");
            }
            InvalidSettingException.ThrowUnless(bandwidth is > 0 and <= 2, "bandwidth",
                "must be above 0 and at most 2 (distances between unit embeddings are at most 2)", bandwidth);
        }
        InvalidSettingException.ThrowUnless(Seed >= 0, "seed", "must be 0 or a positive whole number", Seed);
        InvalidSettingException.ThrowUnless(BatchSize >= 1, "batch-size", "must be a positive whole number", BatchSize);
        InvalidSettingException.ThrowUnless(!string.IsNullOrWhiteSpace(Output), "out", "must name a file", $"'{Output}'");
        if (ByClassifier && EmbeddingCache is not null)
        {
            throw InvalidSettingException.ForSetting("embedding-cache", name => $"works on the pool's embeddings, and {ImageSelection.NameOf(Strategy)} "
                + $"ranks by a classifier's probabilities: leave {name("embedding-cache")} out.");
        }
    }
}
