using Pipeline.Data;

namespace Pipeline.Cli;

/// <summary>
/// A verb's option that names a file of image ids (<see cref="ImageIdFile"/>): a file that cannot be read, or that names
/// images the set does not hold, is a usage error naming the option.
/// </summary>
public static class ImageIdOption
{
    /// <summary>The ids the file at <paramref name="path"/> lists.</summary>
    public static IReadOnlyList<string> Read(string option, string path) => AsUsage(option, () => ImageIdFile.Read(path));

    /// <summary>The indices in <paramref name="set"/> of the images <paramref name="ids"/> (read from <paramref name="path"/>) name.</summary>
    public static int[] Resolve(string option, ImageSet set, IReadOnlyList<string> ids, string path) =>
        AsUsage(option, () => ImageIds.Resolve(set, ids, path));

    private static T AsUsage<T>(string option, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (DataFormatException error)
        {
            throw new UsageException($"{option} {error.Message}");
        }
    }
}
