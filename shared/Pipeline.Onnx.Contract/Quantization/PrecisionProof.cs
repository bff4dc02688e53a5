namespace Pipeline.Onnx.Quantization;

/// <summary>
/// How closely a precision variant's embeddings follow its float32 source's on held-out images (none of them used to
/// calibrate): the evidence a variant is written with, recorded in its metadata.
/// </summary>
/// <param name="Data">The dataset URI the images came from.</param>
/// <param name="Images">How many held-out images were embedded by both models.</param>
/// <param name="MeanCosine">The mean, over the images, of the cosine similarity between an image's two embeddings.</param>
/// <param name="MinCosine">The smallest such cosine: the image the variant moved most.</param>
/// <param name="Neighbours">k: how many nearest neighbours (by cosine, among the held-out images) are compared.</param>
/// <param name="NeighbourAgreement">
/// The mean share of an image's k nearest neighbours under the source that are also among its k nearest under the
/// variant: 1 when every lookup finds the same images.
/// </param>
public sealed record PrecisionProof(string Data, int Images, double MeanCosine, double MinCosine, int Neighbours, double NeighbourAgreement);
