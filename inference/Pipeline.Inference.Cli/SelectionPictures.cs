using Pipeline.Data;
using Pipeline.Figures;
using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Cli;

/// <summary>
/// What <c>select --pictures PREFIX</c> draws: <c>PREFIX-map.png</c>, the pool on the first two principal components of
/// the unit embeddings it was chosen from, with the chosen images on top, and <c>PREFIX-grid.png</c>, the chosen images
/// themselves in pick order.
/// </summary>
/// <param name="prefix">The path both file names start with.</param>
public sealed class SelectionPictures(string prefix)
{
    /// <summary>The grid shows at most this many images, the first picked.</summary>
    public const int GridImages = 100;

    /// <summary>Images per row of the grid.</summary>
    public const int GridColumns = 10;

    /// <summary>The most the grid enlarges an image (whole pixels, nearest neighbour).</summary>
    public const int MaxGridScale = 3;

    // Enlarged images are about this wide, or as they are when they already are wider.
    private const int GridCellPixels = 96;

    /// <summary>The map: the pool's embeddings on their first two principal components, the chosen images marked.</summary>
    public string MapPath { get; } = prefix + "-map.png";

    /// <summary>The grid of the first <see cref="GridImages"/> chosen images.</summary>
    public string GridPath { get; } = prefix + "-grid.png";

    /// <summary>How many times the grid enlarges images of <paramref name="shape"/>: 3 up to 32 pixels, fewer above, at least 1.</summary>
    public static int GridScale(ImageShape shape) => Math.Clamp(GridCellPixels / Math.Max(shape.Height, shape.Width), 1, MaxGridScale);

    /// <summary>
    /// Draws both pictures of <paramref name="selection"/>, chosen from <paramref name="pool"/> with
    /// <paramref name="embeddings"/> (coloured by class when the pool has labels), each file whole or not at all.
    /// </summary>
    /// <returns>How many chosen images the grid shows.</returns>
    public int Write(ImageSet pool, EmbeddingPool embeddings, SelectionResult selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(selection);
        int[] chosen = selection.Images.Select(image => image.Index).ToArray();
        PrincipalComponents components = PrincipalComponents.Fit(embeddings.Rows, embeddings.Dim, 2, cancellationToken);
        double[][] coordinates = components.Project(embeddings.Rows);
        IReadOnlyList<double> explained = components.ExplainedVarianceRatios;
        Charts.Map(MapPath, coordinates[0], coordinates[1], pool.Labels, pool.ClassNames,
            $"{pool.Count} images of {pool.Source}, {chosen.Length} chosen by {ImageSelection.NameOf(selection.Strategy)}",
            $"PC1 ({100 * explained[0]:F1}% of the variance)", $"PC2 ({100 * explained[1]:F1}%)", chosen, $"chosen ({chosen.Length})");
        ImageSet shown = pool.Select(chosen.Take(GridImages).ToArray());
        ImageGrid.Write(GridPath, shown.Pixels, shown.Shape, Math.Min(GridColumns, shown.Count), GridScale(shown.Shape));
        return shown.Count;
    }
}
