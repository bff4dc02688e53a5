using Pipeline.Errors;

namespace Pipeline.Runs;

/// <summary>
/// Checks a file a job will write before it does any work, so that a path that cannot be written costs nothing: the
/// error is about the setting that names the file (<see cref="InvalidSettingException.Setting"/>).
/// </summary>
public static class OutputPath
{
    /// <summary>Refuses <paramref name="path"/> unless its folder exists and it is not itself a folder.</summary>
    /// <param name="setting">The setting that names the file (<c>out</c>).</param>
    /// <param name="path">The file to be written.</param>
    /// <exception cref="InvalidSettingException">The folder does not exist, or the path is a folder.</exception>
    public static void RequireWritable(string setting, string path)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null || !Directory.Exists(folder) || Directory.Exists(path))
        {
            throw InvalidSettingException.ForSetting(setting, $"{path}: give a file in a folder that exists.");
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/>'s folder now, as writing the file would, so that a folder that cannot exist (under
    /// a file, or where the user may not write) is refused before any work, not after it.
    /// </summary>
    /// <param name="setting">The setting that names the file (<c>out</c>).</param>
    /// <param name="path">The file to be written.</param>
    /// <exception cref="InvalidSettingException">The path is a folder, or its folder cannot be created.</exception>
    public static void CreateFolderFor(string setting, string path)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw InvalidSettingException.ForSetting(setting, $"{path} is a folder: give a file name.");
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw InvalidSettingException.ForSetting(setting, $"{path}: its folder cannot be created ({error.Message}).", error);
        }
    }
}
