using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Weighted k-nearest-neighbour classification on frozen embeddings, the monitor of Wu et al. 2018 (instance
/// discrimination) as lightly and solo-learn use it: cosine similarity, the k most similar labelled embeddings, each
/// voting for its class with weight exp(similarity / T).
/// </summary>
/// <example>
/// <code>
/// var knn = new KnnClassifier(k: 200, temperature: 0.1);
/// using Tensor predictions = knn.Predict(trainEmbeddings, trainLabels, testEmbeddings, classCount: 10);
/// </code>
/// </example>
public sealed class KnnClassifier
{
    private const int QueryChunk = 512;

    /// <param name="k">Neighbours that vote; 200 in lightly and solo-learn. Capped by the labelled set's size.</param>
    /// <param name="temperature">T of the vote weights exp(s / T); 0.1 in lightly.</param>
    public KnnClassifier(int k = 200, double temperature = 0.1)
    {
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be at least 1, not {k}.");
        }
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, $"The kNN temperature must be positive and finite, not {temperature}.");
        }
        K = k;
        Temperature = temperature;
    }

    public int K { get; }

    public double Temperature { get; }

    /// <summary>The predicted class of every query, int64 [Q].</summary>
    /// <param name="bank">Labelled embeddings [B, D].</param>
    /// <param name="bankLabels">Their classes, int64 [B].</param>
    /// <param name="queries">Embeddings to classify [Q, D].</param>
    /// <param name="classCount">C, the number of classes.</param>
    public Tensor Predict(Tensor bank, Tensor bankLabels, Tensor queries, int classCount)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(bankLabels);
        ArgumentNullException.ThrowIfNull(queries);
        if (bank.shape[0] < 1 || bank.shape[0] != bankLabels.shape[0] || bank.shape[1] != queries.shape[1])
        {
            throw new ArgumentException(
                $"kNN needs a non-empty bank [B, D] with B labels and queries [Q, D]: got bank [{string.Join(", ", bank.shape)}], labels [{string.Join(", ", bankLabels.shape)}], queries [{string.Join(", ", queries.shape)}].");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long k = Math.Min(K, bank.shape[0]);
        Tensor unitBank = nn.functional.normalize(bank, p: 2, dim: 1);
        Tensor labels = bankLabels.to(ScalarType.Int64);
        var predictions = new List<Tensor>();
        for (long first = 0; first < queries.shape[0]; first += QueryChunk)
        {
            long count = Math.Min(QueryChunk, queries.shape[0] - first);
            Tensor unitQueries = nn.functional.normalize(queries.narrow(0, first, count), p: 2, dim: 1);
            // similarities [q, B] → the k nearest: weights and indices [q, k]
            (Tensor similarity, Tensor nearest) = unitQueries.matmul(unitBank.t()).topk((int)k, dim: 1);
            Tensor weights = similarity.div(Temperature).exp_();
            // votes [q, C]: each neighbour adds its weight to its class.
            Tensor votes = zeros(count, classCount, dtype: weights.dtype, device: weights.device)
                .scatter_add_(1, labels.index_select(0, nearest.flatten()).reshape(count, k), weights);
            predictions.Add(votes.argmax(1));
        }
        return scope.MoveToOuter(cat(predictions, 0));
    }
}
