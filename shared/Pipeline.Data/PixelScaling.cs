namespace Pipeline.Data;

/// <summary>
/// Pixel bytes in [0, 255] to the floats in [0, 1] every model here takes, divided exactly as training divides
/// (x / 255f), so that inference sees bit for bit what training saw.
/// </summary>
public static class PixelScaling
{
    /// <summary>Writes <paramref name="bytes"/>, scaled to [0, 1], into the first <c>bytes.Length</c> floats of <paramref name="destination"/>.</summary>
    public static void ToUnitRange(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        if (destination.Length < bytes.Length)
        {
            throw new ArgumentException($"{bytes.Length} pixels do not fit in {destination.Length} floats.", nameof(destination));
        }
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[i] = bytes[i] / 255f;
        }
    }
}
