using Pipeline.Data;
using static TorchSharp.torch;

namespace Pipeline.Training.Pretraining;

/// <summary>What a training job (<see cref="PretrainJob"/>, a student run) is about to train, once the images are loaded and before anything is written.</summary>
/// <param name="Images">The training images.</param>
/// <param name="Config">Every setting of the run, resolved from the options (<see cref="PretrainOptions.Resolve"/>).</param>
/// <param name="Device">Where it computes.</param>
/// <param name="Threads">The CPU threads TorchSharp uses.</param>
/// <param name="Run">The run folder.</param>
public sealed record PretrainPlan(ImageSet Images, PretrainConfig Config, Device Device, int Threads, RunDirectory Run);
