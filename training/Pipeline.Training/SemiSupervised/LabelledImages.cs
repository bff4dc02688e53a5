using Pipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.SemiSupervised;

/// <summary>
/// The labelled images of a semi-supervised run, held as tensors on the CPU, from which each step draws a batch with
/// replacement.
/// </summary>
public sealed class LabelledImages : IDisposable
{
    private readonly Tensor _pixels;  // uint8 [L, C, H, W]
    private readonly Tensor _labels;  // int64 [L]

    private LabelledImages(Tensor pixels, Tensor labels)
    {
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>How many images are labelled.</summary>
    public long Count => _labels.shape[0];

    /// <summary>The images of <paramref name="images"/> that <paramref name="ids"/> name, with their labels from the set.</summary>
    /// <exception cref="DataFormatException">An id names no image of the set, or names one twice.</exception>
    /// <exception cref="InvalidOperationException">The set has no labels.</exception>
    public static LabelledImages Select(ImageSet images, IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(ids);
        images.RequireLabels();
        ImageSet selected = images.Select(ImageIds.Resolve(images, ids, images.Source));
        Tensor pixels = tensor(selected.Pixels, ScalarType.Byte).reshape(selected.Count, selected.Channels, selected.Height, selected.Width);
        return new LabelledImages(pixels, tensor(selected.RequireLabels().Select(label => (long)label).ToArray()));
    }

    /// <summary>
    /// <paramref name="count"/> labelled images drawn uniformly with replacement from <paramref name="generator"/>: pixels
    /// float32 [count, C, H, W] in [0, 1] and labels int64 [count], on <paramref name="device"/>.
    /// </summary>
    public (Tensor Pixels, Tensor Labels) Draw(int count, Generator generator, Device device)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        Tensor picks = randint(Count, [count], dtype: ScalarType.Int64, generator: generator);
        Tensor pixels = _pixels.index_select(0, picks).to(device).to(ScalarType.Float32).div_(255f);
        Tensor labels = _labels.index_select(0, picks).to(device);
        return (scope.MoveToOuter(pixels), scope.MoveToOuter(labels));
    }

    public void Dispose()
    {
        _pixels.Dispose();
        _labels.Dispose();
    }
}
