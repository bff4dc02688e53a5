namespace Pipeline.Inference.Selection;

/// <summary>One image chosen to be labelled, with why it was chosen.</summary>
/// <param name="Index">Its index in the pool.</param>
/// <param name="Cluster">Typiclust: the k-means cluster it represents; else null.</param>
/// <param name="ClusterSize">Typiclust: how many images of the pool that cluster holds; else null.</param>
/// <param name="Typicality">
/// Typiclust: the inverse of its mean distance to its nearest neighbours in the cluster (higher is more typical); else null.
/// </param>
/// <param name="Distance">
/// k-center: its distance to the nearest image labelled or chosen before it (the radius it covers); null for the first
/// pick when nothing was labelled, and for the other strategies.
/// </param>
/// <param name="Margin">
/// Margin: the classifier's most probable class's probability minus the second's (lower is less certain); else null.
/// </param>
/// <param name="CoverageGain">
/// MaxHerding: how much the pick raised the pool's coverage (the mean over the pool of the kernel to its most similar
/// labelled-or-picked image, 0 to 1); else null.
/// </param>
public sealed record SelectedImage(int Index, int? Cluster = null, int? ClusterSize = null, double? Typicality = null, double? Distance = null,
    double? Margin = null, double? CoverageGain = null);
