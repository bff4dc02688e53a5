using Pipeline.Storage.Registry;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>A nightly candidate judged against the champion by <see cref="NightlyConfig.Metric"/>.</summary>
/// <param name="Candidate">The version published tonight.</param>
/// <param name="Metric">The figure compared, as the registry's metrics name it (<c>knn-100%</c>).</param>
/// <param name="Score">The candidate's figure.</param>
/// <param name="Verdict">What the figures decided.</param>
/// <param name="Champion">The champion before the decision; null when there was none.</param>
/// <param name="ChampionScore">The champion's figure, when it has one (a champion without it is replaced).</param>
/// <param name="Margin">By how much the candidate had to beat the champion.</param>
public sealed record ChampionDecision(ModelReference Candidate, string Metric, double Score, ChampionVerdict Verdict, ModelVersion? Champion,
    double? ChampionScore, double Margin)
{
    /// <summary>Whether the candidate is the champion now.</summary>
    public bool IsChampion => Verdict != ChampionVerdict.Kept;
}
