using System.CommandLine;
using Pipeline.Data;

namespace Pipeline.Inference.Embed;

/// <summary>The images <c>embed</c> reads: folders (listed like <see cref="ImageFolderReader"/> does) and single files, in the order given.</summary>
public static class EmbedInputs
{
    /// <summary>--input: the files and folders to embed.</summary>
    public static Option<string[]> Option() => new("--input")
    {
        Description = "PNG or JPEG files, or folders of them (searched like a dataset folder), in the order to embed.",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>
    /// Every image the inputs name, in order, without decoding any: its name (a file as given; a folder's images as the
    /// folder joined with their path inside it) and its path.
    /// </summary>
    /// <exception cref="DataFormatException">An input is missing, or is a folder without images.</exception>
    public static IReadOnlyList<(string Name, string Path)> List(IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var images = new List<(string Name, string Path)>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                images.AddRange(ImageFolderReader.ListImageFiles(input).Select(file => (Path.Join(input, file), Path.Combine(input, file))));
            }
            else if (File.Exists(input))
            {
                images.Add((input, input));
            }
            else
            {
                throw new DataFormatException(input, "does not exist: give PNG or JPEG files, or folders of them.");
            }
        }
        return images;
    }

    /// <summary>Decodes the images to <paramref name="shape"/>: [N, C, H, W] bytes.</summary>
    /// <exception cref="DataFormatException">A file is not a PNG or JPEG that decodes.</exception>
    public static byte[] Decode(IReadOnlyList<(string Name, string Path)> images, ImageShape shape, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        return ImageFolderReader.DecodeFiles(images.Select(image => image.Path).ToArray(), shape, cancellationToken);
    }
}
