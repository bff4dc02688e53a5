namespace Pipeline.Data;

/// <summary>What an encoded image's header says: its size and whether it is stored as greyscale.</summary>
public readonly record struct EncodedImageInfo(int Width, int Height, bool IsGrey);
