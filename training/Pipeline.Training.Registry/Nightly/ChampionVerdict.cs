namespace Pipeline.Training.Registry.Nightly;

/// <summary>What a nightly candidate's figure decided (<see cref="ChampionDecision"/>).</summary>
public enum ChampionVerdict
{
    /// <summary>The candidate beat the champion by the margin, or there was none to beat: it is the champion now.</summary>
    Promoted,

    /// <summary>The candidate did not beat the champion by the margin: the champion is kept.</summary>
    Kept,

    /// <summary>The candidate is the champion already: promoted by a retried night's first attempt, which failed after it.</summary>
    AlreadyChampion,
}
