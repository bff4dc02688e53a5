using Pipeline.Data;

namespace Pipeline.Inference.Cli;

/// <summary>The images <c>embed</c> reads: folders (read by <see cref="ImageFolderReader"/>) and single files, in the order given.</summary>
public static class EmbedInputs
{
    /// <summary>
    /// Decodes every image to <paramref name="shape"/>; returns their names (a file as given; a folder's images as the
    /// folder joined with their path inside it) and their pixels, [N, C, H, W] bytes.
    /// </summary>
    /// <exception cref="DataFormatException">An input is missing, holds no images, or holds a file that is not PNG or JPEG.</exception>
    public static (IReadOnlyList<string> Names, byte[] Pixels) Read(IReadOnlyList<string> inputs, ImageShape shape,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var names = new List<string>();
        var parts = new List<byte[]>();
        foreach (string input in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(input))
            {
                ImageSet set = ImageFolderReader.Read(input, shape, cancellationToken);
                names.AddRange(set.FileNames!.Select(file => Path.Join(input, file)));
                parts.Add(set.Pixels);
            }
            else if (File.Exists(input))
            {
                names.Add(input);
                parts.Add(ImageDecoder.Decode(File.ReadAllBytes(input), shape, input));
            }
            else
            {
                throw new DataFormatException(input, "does not exist: give PNG or JPEG files, or folders of them.");
            }
        }
        long total = (long)names.Count * shape.Size;
        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"{names.Count} images of {shape} are too many to embed in one run: split the input.");
        }
        byte[] pixels = new byte[total];
        int offset = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(pixels, offset);
            offset += part.Length;
        }
        return (names, pixels);
    }
}
