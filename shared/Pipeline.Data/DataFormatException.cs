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
}
