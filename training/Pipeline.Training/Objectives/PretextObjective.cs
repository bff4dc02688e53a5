using Pipeline.Training.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>
/// A self-supervised method: the encoder plus whatever training-only parts the method needs (projection head,
/// decoder, pretext classifier), and the loss of one batch. The trainer knows nothing else about the method.
/// </summary>
/// <remarks>
/// As a module it owns its parts, so one state dict, one <c>to(device)</c> and one <c>train()</c>/<c>eval()</c> cover
/// them all. The encoder is registered as the submodule "encoder", which is how checkpoints name its weights.
/// </remarks>
public abstract class PretextObjective : nn.Module
{
    /// <summary>The name of the encoder submodule in state dicts and checkpoints.</summary>
    public const string EncoderModuleName = "encoder";

    protected PretextObjective(string name) : base(name)
    {
    }

    /// <summary>The method's CLI name, such as <c>simclr</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The encoder f whose embedding is the product of pretraining.</summary>
    public abstract Encoder Encoder { get; }

    /// <summary>
    /// The loss of one batch. <paramref name="pixels"/> is float32 [N, C, H, W] in [0, 1] on the training device; every
    /// random draw (augmentation, noise, rotations) comes from <paramref name="generator"/>, a CPU generator;
    /// <paramref name="step"/> is the number of optimisation steps done before this one, for schedules such as a KL
    /// warm-up. The loss and its terms are left to the caller's dispose scope.
    /// </summary>
    public abstract PretextLoss ComputeLoss(Tensor pixels, Generator generator, long step);
}
