using Pipeline.Training.Encoders;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>Rebuilds a run's encoder from a checkpoint, without the method's training-only parts.</summary>
public static class TrainedEncoder
{
    /// <summary>
    /// The encoder of <paramref name="run"/> with the weights of <paramref name="checkpointPath"/> (the newest
    /// checkpoint when null), in eval mode on the CPU, and the step it was saved at. It is the encoder the run's method
    /// trains (<see cref="PretextMethods.CreateEncoder"/>): for vae, ae and dae the backbone with its latent map, whose
    /// output is the code (vae: μ).
    /// </summary>
    public static (Encoder Encoder, long Step, string Checkpoint) Load(RunDirectory run, string? checkpointPath = null) =>
        TrainedModule.Load(run, checkpointPath, PretextMethods.CreateEncoder, PretextObjective.EncoderModuleName);
}
