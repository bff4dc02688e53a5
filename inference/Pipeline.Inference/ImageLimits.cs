namespace Pipeline.Inference;

/// <summary>The largest encoded image <see cref="ImageInput"/> decodes, so that a small file cannot ask for gigabytes.</summary>
/// <param name="MaxWidth">Widest image accepted, in pixels.</param>
/// <param name="MaxHeight">Tallest image accepted, in pixels.</param>
public sealed record ImageLimits(int MaxWidth = 4096, int MaxHeight = 4096)
{
    /// <summary>4096 x 4096: a 64 MB RGBA decode at most.</summary>
    public static ImageLimits Default { get; } = new();
}
