using Pipeline.Data.SafeTensors;
using Pipeline.Training.Checkpoints;
using Pipeline.Training.Encoders;
using Pipeline.Training.Objectives;

namespace Pipeline.Training.Pretraining;

/// <summary>Rebuilds a run's encoder from a checkpoint, without the method's training-only parts.</summary>
public static class TrainedEncoder
{
    /// <summary>
    /// The encoder of <paramref name="run"/> with the weights of <paramref name="checkpointPath"/> (the newest
    /// checkpoint when null), in eval mode on the CPU, and the step it was saved at.
    /// </summary>
    public static (Encoder Encoder, long Step, string Checkpoint) Load(RunDirectory run, string? checkpointPath = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainConfig config = run.ReadConfig();
        string path = checkpointPath ?? run.LatestCheckpoint();
        SafeTensorsContent content = SafeTensorsFile.Read(path);
        Encoder encoder = EncoderFactory.Create(config.Encoder);
        try
        {
            Checkpoint.LoadModel(content, encoder, PretextObjective.EncoderModuleName);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
        encoder.eval();
        return (encoder, Checkpoint.ReadStep(content), Path.GetFullPath(path));
    }
}
