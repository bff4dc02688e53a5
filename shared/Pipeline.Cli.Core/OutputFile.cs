using Pipeline.Errors;
using Pipeline.Runs;

namespace Pipeline.Cli;

/// <summary>
/// Checks a file a verb will write, before the verb does any work, so a typo costs nothing: the library's check
/// (<see cref="OutputPath"/>) as a usage error naming the verb's option.
/// </summary>
public static class OutputFile
{
    /// <summary>
    /// Creates <paramref name="path"/>'s folder now, as the verb would when writing, so that a folder that cannot exist
    /// (under a file, or where the user may not write) is a <see cref="UsageException"/> naming <paramref name="option"/>
    /// before any work, not an error after it.
    /// </summary>
    public static void CreateFolderFor(string option, string path)
    {
        try
        {
            OutputPath.CreateFolderFor(option, path);
        }
        catch (InvalidSettingException error)
        {
            // The library's error names the setting it was given, here the option: its message is the usage error's.
            throw new UsageException(error.Message);
        }
    }
}
