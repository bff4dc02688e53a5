using System.Text.Json;
using Pipeline.Runs;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Evaluation;

/// <summary>The evaluations a run keeps in <c>eval/</c>: accuracies of the embedding protocols and a VAE's ELBOs.</summary>
/// <param name="Accuracies">knn and linear results.</param>
/// <param name="Elbos">elbo results.</param>
public sealed record StoredEvaluations(IReadOnlyList<EvaluationResult> Accuracies, IReadOnlyList<ElboResult> Elbos)
{
    /// <summary>Every evaluation in the run's <c>eval/</c>, in file-name order.</summary>
    /// <exception cref="InvalidDataException">A file there is not an evaluation result.</exception>
    public static StoredEvaluations Read(RunDirectory run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Read(run.EvaluationDirectory);
    }

    /// <summary>
    /// Every evaluation in <paramref name="directory"/> (not its subfolders), in file-name order; none when it does not exist.
    /// </summary>
    /// <exception cref="InvalidDataException">A file there is not an evaluation result.</exception>
    public static StoredEvaluations Read(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var accuracies = new List<EvaluationResult>();
        var elbos = new List<ElboResult>();
        if (!Directory.Exists(directory))
        {
            return new StoredEvaluations(accuracies, elbos);
        }
        string elboProtocol = EvaluationProtocol.Elbo.ToString().ToLowerInvariant();
        foreach (string file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file));
                bool elbo = document.RootElement.TryGetProperty("protocol", out JsonElement protocol)
                    && protocol.ValueKind == JsonValueKind.String && protocol.GetString() == elboProtocol;
                if (elbo)
                {
                    elbos.Add(document.Deserialize<ElboResult>(RunJson.CamelCase) ?? throw new JsonException("it is empty"));
                }
                else
                {
                    accuracies.Add(document.Deserialize<EvaluationResult>(RunJson.CamelCase) ?? throw new JsonException("it is empty"));
                }
            }
            catch (JsonException error)
            {
                throw new InvalidDataException($"{file} is not an evaluation result ({error.Message}): delete it or run evaluate again.", error);
            }
        }
        return new StoredEvaluations(accuracies, elbos);
    }

    /// <summary>
    /// The evaluations of one checkpoint. A run folder may have moved since the evaluation, so the checkpoint's file name
    /// and step identify it, not its full path.
    /// </summary>
    public StoredEvaluations Of(string checkpointPath, long step)
    {
        string name = Path.GetFileName(checkpointPath);
        return new StoredEvaluations(
            Accuracies.Where(result => result.Step == step && Path.GetFileName(result.Checkpoint) == name).ToArray(),
            Elbos.Where(result => result.Step == step && Path.GetFileName(result.Checkpoint) == name).ToArray());
    }

    /// <summary>
    /// Every figure by name: accuracy by <c>protocol-labels</c> (<c>knn-100%</c>), the ELBO in nats per image by
    /// <c>elbo-Nsample(s)</c>.
    /// </summary>
    public Dictionary<string, double> Figures()
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (EvaluationResult result in Accuracies)
        {
            figures[$"{result.Protocol}-{result.Labels}"] = result.Accuracy;
        }
        foreach (ElboResult result in Elbos)
        {
            figures[Path.GetFileNameWithoutExtension(ElboResult.FileName(result.Samples))] = result.Elbo;
        }
        return figures;
    }
}
