using static TorchSharp.torch;

namespace Pipeline.Training.Objectives;

/// <summary>An objective that decodes its embedding back to an image (vae, ae, dae), so a report can show what it keeps.</summary>
public interface IReconstructingObjective
{
    /// <summary>
    /// The expected image E[x | code] decoded from the embedding of each image (a VAE's μ), [N, C, H, W] in [0, 1], for
    /// pixels [N, C, H, W] in [0, 1]; no input corruption is applied.
    /// </summary>
    Tensor Reconstruct(Tensor pixels);
}
