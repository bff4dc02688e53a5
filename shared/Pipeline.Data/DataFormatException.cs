using Pipeline.Errors;

namespace Pipeline.Data;

/// <summary>
/// Thrown when a data file or folder is missing or malformed; the message always starts with its path, then says
/// what is wrong and, where it is obvious, what to do.
/// </summary>
public sealed class DataFormatException : UserErrorException
{
    /// <param name="dataPath">The file or folder at fault.</param>
    /// <param name="problem">What is wrong, phrased to follow the path ("is truncated: …", "does not exist: …").</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public DataFormatException(string dataPath, string problem, Exception? innerException = null)
        : base($"{dataPath} {problem}", innerException)
    {
        ArgumentNullException.ThrowIfNull(dataPath);
        ArgumentNullException.ThrowIfNull(problem);
        DataPath = dataPath;
    }

    /// <summary>The file or folder at fault.</summary>
    public string DataPath { get; }

    /// <summary>
    /// Runs <paramref name="read"/>, which reads data the setting <paramref name="setting"/> names (a file of image ids):
    /// data it finds missing or malformed is an error of that setting, worded as this exception is.
    /// </summary>
    /// <exception cref="InvalidSettingException">The data is missing or malformed (<see cref="InvalidSettingException.Setting"/> is <paramref name="setting"/>).</exception>
    public static T AsSetting<T>(string setting, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (DataFormatException error)
        {
            throw InvalidSettingException.ForSetting(setting, error.Message, error);
        }
    }
}
