using System.Runtime.ExceptionServices;
using Pipeline.Errors;

namespace Pipeline.Data;

/// <summary>Reads a folder of PNG and JPEG images into an <see cref="ImageSet"/>, labelled by class subfolder or unlabelled.</summary>
/// <remarks>
/// <para>Layout: either one subfolder per class (class names are the subfolder names in ordinal order, labels their
/// indices; each class folder is searched recursively) or images directly in the folder with no subfolders (an
/// unlabelled set). A folder with both is refused, as is a folder or class folder without images.</para>
/// <para>Files are chosen by extension (.png, .jpg, .jpeg, any case; everything else is ignored) and decoded by content,
/// so a PNG named .jpg is read; a chosen file that does not decode is an error. Images are ordered by the ordinal sort
/// of their '/'-separated paths relative to the folder, which <see cref="ImageSet.FileNames"/> keeps.</para>
/// <para>Pixels are converted by <see cref="ImageDecoder"/>. Decoding runs in parallel; the result does not depend on it.</para>
/// </remarks>
public static class ImageFolderReader
{
    /// <summary>File extensions read (compared ignoring case); files with any other extension are ignored.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    /// <summary>Reads every image in <paramref name="directory"/>; the set's source is <c>folder:</c> + the directory.</summary>
    /// <param name="directory">The folder, absolute or relative to the working folder.</param>
    /// <param name="shape">
    /// Channels (1 or 3), height and width to convert every image to. When null, the images must all have one size,
    /// which is kept, and the set has 1 channel if every image is greyscale, else 3.
    /// </param>
    /// <param name="cancellationToken">Stops decoding.</param>
    /// <exception cref="DataFormatException">The folder is missing, badly laid out, holds no images, holds an image
    /// that does not decode, or (with no shape) holds images of different sizes.</exception>
    public static ImageSet Read(string directory, ImageShape? shape = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (shape is { Channels: not (1 or 3) })
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Images are read with 1 (grey) or 3 (RGB) channels.");
        }
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DataFormatException(root, "does not exist: a folder dataset names a folder of PNG or JPEG images.");
        }

        (string[] files, int[]? labels, string[] classNames) = ListImages(root);
        ImageShape target = shape ?? CommonShape(root, files, cancellationToken);
        long total = (long)files.Length * target.Size;
        if (total > Array.MaxLength)
        {
            throw new DataFormatException(root,
                $"holds {files.Length} images, too many to hold at {target} ({total} bytes) in one array: read fewer or smaller.");
        }

        byte[] pixels = DecodeFiles(files.Select(file => Path.Combine(root, file)).ToArray(), target, cancellationToken);
        return new ImageSet($"folder:{directory}", pixels, files.Length, target.Channels, target.Height, target.Width,
            labels, classNames, files);
    }

    /// <summary>
    /// The images <see cref="Read"/> would read from <paramref name="directory"/>, in its order, as paths relative to it
    /// ('/'-separated), without decoding any.
    /// </summary>
    /// <exception cref="DataFormatException">The folder is missing, badly laid out or holds no images.</exception>
    public static IReadOnlyList<string> ListImageFiles(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DataFormatException(root, "does not exist: a folder dataset names a folder of PNG or JPEG images.");
        }
        return ListImages(root).Files;
    }

    /// <summary>Decodes image files, in parallel, to <paramref name="shape"/>: [N, C, H, W] bytes in the files' order.</summary>
    /// <exception cref="DataFormatException">A file does not decode; of several, the first by path.</exception>
    public static byte[] DecodeFiles(IReadOnlyList<string> paths, ImageShape shape, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        long total = (long)paths.Count * shape.Size;
        if (total > Array.MaxLength)
        {
            throw new UserErrorException($"{paths.Count} images of {shape} ({total} bytes) are too many for one array: decode fewer or smaller.");
        }
        byte[] pixels = new byte[total];
        ForEachFile(paths.Count, cancellationToken,
            i => ImageDecoder.DecodeFile(paths[i], shape, pixels.AsSpan(i * shape.Size, shape.Size)));
        return pixels;
    }

    // The images' relative paths in order, their labels (null when unlabelled) and the class names.
    private static (string[] Files, int[]? Labels, string[] ClassNames) ListImages(string root)
    {
        string[] classNames = Directory.GetDirectories(root).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToArray();
        string[] topImages = ImagesUnder(root, root, SearchOption.TopDirectoryOnly);
        if (classNames.Length > 0 && topImages.Length > 0)
        {
            throw new DataFormatException(root,
                $"holds both images ({topImages[0]}, …) and subfolders ({classNames[0]}, …): put every image in a class "
                + "subfolder for a labelled set, or remove the subfolders for an unlabelled one.");
        }
        if (classNames.Length == 0)
        {
            if (topImages.Length == 0)
            {
                throw new DataFormatException(root,
                    $"holds no images ({string.Join(", ", Extensions)}) and no class subfolders.");
            }
            return (topImages, null, []);
        }

        var labelled = new List<(string File, int Label)>();
        for (int label = 0; label < classNames.Length; label++)
        {
            string classFolder = Path.Combine(root, classNames[label]);
            string[] images = ImagesUnder(root, classFolder, SearchOption.AllDirectories);
            if (images.Length == 0)
            {
                throw new DataFormatException(classFolder,
                    $"is a class folder without images ({string.Join(", ", Extensions)}): add some or remove it.");
            }
            labelled.AddRange(images.Select(file => (file, label)));
        }
        labelled.Sort((a, b) => string.CompareOrdinal(a.File, b.File));
        return (labelled.Select(x => x.File).ToArray(), labelled.Select(x => x.Label).ToArray(), classNames);
    }

    private static string[] ImagesUnder(string root, string folder, SearchOption option) =>
        Directory.EnumerateFiles(folder, "*", option)
            .Where(file => Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            .Select(file => Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static ImageShape CommonShape(string root, string[] files, CancellationToken cancellationToken)
    {
        var infos = new EncodedImageInfo[files.Length];
        ForEachFile(files.Length, cancellationToken, i => infos[i] = ImageDecoder.IdentifyFile(Path.Combine(root, files[i])));
        for (int i = 1; i < infos.Length; i++)
        {
            if (infos[i].Width != infos[0].Width || infos[i].Height != infos[0].Height)
            {
                throw new DataFormatException(root,
                    $"holds images of different sizes ({files[0]} is {infos[0].Width}x{infos[0].Height}, {files[i]} is "
                    + $"{infos[i].Width}x{infos[i].Height}): give a target shape to resize them to.");
            }
        }
        int channels = infos.All(info => info.IsGrey) ? 1 : 3;
        return new ImageShape(channels, infos[0].Height, infos[0].Width);
    }

    // Runs body for every file index in parallel; of the files that failed, reports the first in order.
    private static void ForEachFile(int count, CancellationToken cancellationToken, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is DataFormatException))
        {
            DataFormatException first = e.InnerExceptions.Cast<DataFormatException>()
                .MinBy(inner => inner.DataPath, StringComparer.Ordinal)!;
            ExceptionDispatchInfo.Throw(first);
        }
    }
}
