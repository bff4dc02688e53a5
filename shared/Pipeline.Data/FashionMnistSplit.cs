namespace Pipeline.Data;

/// <summary>The two published splits of Fashion-MNIST.</summary>
public enum FashionMnistSplit
{
    /// <summary>60,000 images, the files named train-*.</summary>
    Train,

    /// <summary>10,000 images, the files named t10k-*.</summary>
    Test,
}
