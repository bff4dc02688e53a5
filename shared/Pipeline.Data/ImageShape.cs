namespace Pipeline.Data;

/// <summary>The channels, height and width of every image in a set: the [C, H, W] of its [N, C, H, W] layout.</summary>
public readonly record struct ImageShape
{
    public ImageShape(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Channels = channels;
        Height = height;
        Width = width;
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Bytes per image: C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>"CxHxW", as in "1x28x28".</summary>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
