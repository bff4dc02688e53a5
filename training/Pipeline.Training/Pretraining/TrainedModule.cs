using Pipeline.Data.SafeTensors;
using Pipeline.Training.Checkpoints;
using static TorchSharp.torch;

namespace Pipeline.Training.Pretraining;

/// <summary>What <see cref="TrainedEncoder"/> and <see cref="TrainedObjective"/> share: a module of a run rebuilt from its config and filled from a checkpoint.</summary>
internal static class TrainedModule
{
    /// <summary>
    /// A module built by <paramref name="create"/> from the run's config, with the checkpoint's weights stored under
    /// "model." (and <paramref name="prefix"/>), in eval mode on the CPU; with the checkpoint's step and full path.
    /// </summary>
    public static (T Module, long Step, string Checkpoint) Load<T>(RunDirectory run, string? checkpointPath,
        Func<PretrainConfig, T> create, string? prefix) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainConfig config = run.ReadConfig();
        string path = checkpointPath ?? run.LatestCheckpoint();
        SafeTensorsContent content = SafeTensorsFile.Read(path);
        T module = create(config);
        try
        {
            Checkpoint.LoadModel(content, module, prefix);
        }
        catch
        {
            module.Dispose();
            throw;
        }
        module.eval();
        return (module, Checkpoint.ReadStep(content), Path.GetFullPath(path));
    }
}
