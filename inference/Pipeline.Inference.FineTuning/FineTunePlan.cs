namespace Pipeline.Inference.FineTuning;

/// <summary>What a <see cref="FineTuneJob"/> is about to do, reported once its labelled images are loaded and before anything is written.</summary>
/// <param name="LabelledImages">The labelled images it trains with (training and validation together).</param>
/// <param name="Recipe">The recipe that gave the settings the options left open.</param>
/// <param name="Config">Every setting of the run.</param>
public sealed record FineTunePlan(int LabelledImages, FineTuneRecipe Recipe, FineTuneConfig Config);
