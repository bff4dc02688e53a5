using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Augmentations;

/// <summary>
/// The rotation pretext's input (Gidaris et al. 2018): each image turned by k quarter-turns, k drawn uniformly from
/// {0, 1, 2, 3} per image; k is the label the classifier must recover. Rotations are exact (torch.rot90, from the H axis
/// towards the W axis, counter-clockwise as displayed), so images must be square.
/// </summary>
public static class RightAngleRotation
{
    /// <summary>The number of rotation classes: 0°, 90°, 180° and 270°.</summary>
    public const int Classes = 4;

    /// <summary>
    /// Each image of <paramref name="pixels"/> ([N, C, S, S], any device) rotated by its label's quarter-turns; the
    /// labels (int64 [N], on the pixels' device) are drawn from the CPU <paramref name="generator"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The images are not square.</exception>
    public static (Tensor Images, Tensor Labels) Draw(Tensor pixels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        Tensor labels = randint(0, Classes, [pixels.shape[0]], dtype: ScalarType.Int64, device: CPU, generator: generator).to(pixels.device);
        return scope.MoveToOuter(Rotate(pixels, labels), labels);
    }

    /// <summary>Image i of <paramref name="pixels"/> [N, C, S, S] turned by quarterTurns[i] quarter-turns (int64 [N], any integers).</summary>
    /// <exception cref="ArgumentException">The images are not square, or the turns are not one per image.</exception>
    public static Tensor Rotate(Tensor pixels, Tensor quarterTurns)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(quarterTurns);
        if (pixels.dim() != 4)
        {
            throw new ArgumentException($"Images must be [N, C, S, S], not [{string.Join(", ", pixels.shape)}].");
        }
        RequireSquare(pixels.shape[2], pixels.shape[3]);
        if (quarterTurns.dim() != 1 || quarterTurns.shape[0] != pixels.shape[0])
        {
            throw new ArgumentException(
                $"One rotation per image: the turns must be [{pixels.shape[0]}], not [{string.Join(", ", quarterTurns.shape)}].");
        }
        using var scope = NewDisposeScope();
        // k mod 4 per image, [N, 1, 1, 1] to select among the four rotations of the whole batch.
        Tensor k = quarterTurns.remainder(Classes).reshape(-1, 1, 1, 1);
        Tensor rotated = pixels;
        for (int turns = 1; turns < Classes; turns++)
        {
            rotated = where(k.eq(turns), pixels.rot90(turns, (2, 3)), rotated);
        }
        return scope.MoveToOuter(rotated);
    }

    /// <summary>Throws unless an image of <paramref name="height"/> × <paramref name="width"/> can be turned by 90°.</summary>
    public static void RequireSquare(long height, long width)
    {
        if (height != width)
        {
            throw new ArgumentException(
                $"Rotation prediction turns images by 90°, which needs square images, not {height}x{width}. Use square images (pretraining resizes folder images to a square of its image size).");
        }
    }
}
