using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;

namespace Pipeline.Inference.Cli;

/// <summary>Loading the images a verb's <c>--data</c> names at a model's input size, where images that do not fit the model are a usage error.</summary>
internal static class DatasetOption
{
    /// <summary>The images of <paramref name="uri"/>, converted to <paramref name="shape"/> (<see cref="DatasetLoader.LoadSetting"/>).</summary>
    /// <exception cref="UsageException">The images cannot be converted to the model's input; the message names <paramref name="option"/>.</exception>
    public static ImageSet Load(string option, string uri, ImageShape shape, CancellationToken cancellationToken)
    {
        DatasetUri dataset;
        try
        {
            dataset = DatasetUri.Parse(uri);
        }
        catch (InvalidSettingException error)
        {
            throw new UsageException($"{option}: {error.Message}");
        }
        try
        {
            // The library's error names the setting it was given, here the option: its message is the usage error's.
            return DatasetLoader.LoadSetting(option, dataset, shape, cancellationToken);
        }
        catch (InvalidSettingException error)
        {
            throw new UsageException(error.Message);
        }
    }
}
