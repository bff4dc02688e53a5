namespace Pipeline.Training.Encoders;

/// <summary>
/// The shape of a plain CNN (<see cref="ConvNetEncoder"/>): stages of 3×3 convolutions separated by 2×2 max-pooling,
/// each convolution's width given as a divisor of the embedding width D (the last convolution's divisor is 1).
/// </summary>
/// <param name="Name">The architecture name the CLI accepts after <c>--encoder</c>.</param>
/// <param name="Stages">Per stage, the divisor of D of each convolution in it; a max-pool follows every stage but the last.</param>
/// <param name="DefaultEmbeddingDim">D when none is given.</param>
public sealed record ConvNetLayout(string Name, int[][] Stages, int DefaultEmbeddingDim)
{
    /// <summary>
    /// Four convolutions, D/4 | D/2, D/2 | D: 14.6 M multiply-adds per 28×28 image at D = 128; the CPU default.
    /// </summary>
    public static ConvNetLayout ConvNet { get; } = new("convnet", [[4], [2, 2], [1]], 128);

    /// <summary>
    /// Six convolutions, D/8 | D/4, D/4 | D/2, D/2, D: the extra width and depth sit at 7×7, where they are cheap,
    /// 36 M multiply-adds per 28×28 image at D = 256 (2.5× convnet at D = 128) for twice the embedding width.
    /// </summary>
    public static ConvNetLayout ConvNet6 { get; } = new("convnet6", [[8], [4, 4], [2, 2, 1]], 256);

    /// <summary>The largest divisor: D must be a multiple of it.</summary>
    public int WidthDivisor => Stages.SelectMany(stage => stage).Max();

    /// <summary>The number of convolutions.</summary>
    public int Convolutions => Stages.Sum(stage => stage.Length);
}
