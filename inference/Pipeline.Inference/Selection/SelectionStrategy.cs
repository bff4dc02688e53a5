namespace Pipeline.Inference.Selection;

/// <summary>How the images to label are chosen from the pool's embeddings.</summary>
public enum SelectionStrategy
{
    /// <summary>
    /// TypiClust (Hacohen, Dekel and Weinshall, ICML 2022): k-means into (labelled + budget) clusters, at most 500; the
    /// most typical unlabelled image of the largest cluster with the fewest labels, one image at a time. Best at small budgets.
    /// </summary>
    Typiclust,

    /// <summary>
    /// Greedy k-center, the core-set of Sener and Savarese (ICLR 2018): each pick is the image farthest from everything
    /// labelled or picked so far. Covers the pool; suits larger budgets.
    /// </summary>
    KCenter,

    /// <summary>Uniformly drawn unlabelled images, the baseline every strategy is measured against.</summary>
    Random,

    /// <summary>
    /// Uncertainty sampling by margin (Scheffer, Decomain and Wrobel 2001): the unlabelled images whose two most probable
    /// classes a classifier fine-tuned on the labels so far tells apart least. For later rounds, once labels exist; it
    /// ranks by a classifier's probabilities, not by embeddings (<see cref="MarginSelector"/>).
    /// </summary>
    Margin,

    /// <summary>
    /// MaxHerding (Bae, Noh and Sutherland, ECCV 2024), generalised ProbCover: each pick the image that most raises the
    /// pool's coverage under a Gaussian kernel, so the picks sit in dense regions and spread over them. For small budgets.
    /// </summary>
    MaxHerding,
}
