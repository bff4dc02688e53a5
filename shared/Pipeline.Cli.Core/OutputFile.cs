namespace Pipeline.Cli;

/// <summary>Checks a file a verb will write, before the verb does any work, so a typo costs nothing.</summary>
public static class OutputFile
{
    /// <summary>
    /// Refuses <paramref name="path"/> unless its folder exists and it is not itself a folder: a
    /// <see cref="UsageException"/> naming <paramref name="option"/>.
    /// </summary>
    public static void RequireWritable(string option, string path)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null || !Directory.Exists(folder) || Directory.Exists(path))
        {
            throw new UsageException($"{option} {path}: give a file in a folder that exists.");
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/>'s folder now, as the verb would when writing, so that a folder that cannot exist
    /// (under a file, or where the user may not write) is a <see cref="UsageException"/> naming <paramref name="option"/>
    /// before any work, not an error after it.
    /// </summary>
    public static void CreateFolderFor(string option, string path)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"{option} {path} is a folder: give a file name.");
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path}: its folder cannot be created ({error.Message}).");
        }
    }
}
