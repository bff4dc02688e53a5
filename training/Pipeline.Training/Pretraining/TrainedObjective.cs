using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>Rebuilds a run's whole objective from a checkpoint — encoder and training-only parts — for what needs the decoder, such as the ELBO.</summary>
public static class TrainedObjective
{
    /// <summary>
    /// The objective of <paramref name="run"/> with every weight of <paramref name="checkpointPath"/> (the newest
    /// checkpoint when null), in eval mode on the CPU, and the step it was saved at.
    /// </summary>
    public static (PretextObjective Objective, long Step, string Checkpoint) Load(RunDirectory run, string? checkpointPath = null) =>
        TrainedModule.Load(run, checkpointPath, config => PretextMethods.Create(config), prefix: null);
}
