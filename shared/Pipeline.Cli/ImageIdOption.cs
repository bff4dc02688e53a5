using Pipeline.Data;

namespace Pipeline.Cli;

/// <summary>
/// A verb's option that names a file of image ids (<see cref="ImageIdFile"/>): a file that cannot be read is a usage
/// error naming the option.
/// </summary>
public static class ImageIdOption
{
    /// <summary>The ids the file at <paramref name="path"/> lists.</summary>
    public static IReadOnlyList<string> Read(string option, string path)
    {
        try
        {
            return ImageIdFile.Read(path);
        }
        catch (DataFormatException error)
        {
            throw new UsageException($"{option} {error.Message}");
        }
    }
}
