using Pipeline.Training.Augmentations;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Augmentations;

public sealed class RightAngleRotationTests
{
    [Fact]
    public void Draw_RotatesEachImageByItsLabelsQuarterTurns_AndTheInverseGivesItBack()
    {
        using var scope = NewDisposeScope();
        Tensor pixels = rand(400, 3, 9, 9);
        using var generator = new Generator(21);

        (Tensor rotated, Tensor labels) = RightAngleRotation.Draw(pixels, generator);

        Assert.Equal(ScalarType.Int64, labels.dtype);
        long[] counts = labels.bincount(null, 4).data<long>().ToArray();
        Assert.Equal(4, counts.Length);
        Assert.All(counts, count => Assert.InRange(count, 70, 130));
        for (int i = 0; i < 400; i++)
        {
            long k = labels[i].item<long>();
            Assert.True(Tensors.BitIdentical(rotated[i], pixels[i].rot90(k, (1, 2))), $"image {i} is not turned {k} times");
        }
        Assert.True(Tensors.BitIdentical(RightAngleRotation.Rotate(rotated, labels.neg()), pixels));
        Assert.False(Tensors.BitIdentical(rotated, pixels));
    }

    [Fact]
    public void Rotate_OneQuarterTurn_IsCounterClockwise()
    {
        using var scope = NewDisposeScope();
        // [[1, 2], [3, 4]] turned counter-clockwise is [[2, 4], [1, 3]].
        Tensor image = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);

        Tensor turned = RightAngleRotation.Rotate(image, tensor(new long[] { 1 }));

        Assert.Equal([2f, 4f, 1f, 3f], turned.data<float>().ToArray());
    }

    [Fact]
    public void Draw_IsFixedByTheGenerator()
    {
        using var scope = NewDisposeScope();
        Tensor pixels = rand(32, 1, 8, 8);
        using var first = new Generator(2);
        using var second = new Generator(2);

        Assert.True(Tensors.BitIdentical(RightAngleRotation.Draw(pixels, first).Labels, RightAngleRotation.Draw(pixels, second).Labels));
    }

    [Fact]
    public void Rotate_NonSquareImages_IsRefusedSayingWhy()
    {
        using var scope = NewDisposeScope();
        Tensor pixels = zeros(2, 1, 28, 32);

        var error = Assert.Throws<ArgumentException>(() => RightAngleRotation.Rotate(pixels, zeros(2, ScalarType.Int64)));
        Assert.Contains("square images, not 28x32", error.Message);
    }
}
