using Pipeline.Cli;
using Pipeline.Data;

namespace Pipeline.Inference.Cli;

/// <summary>Loading the images a verb's <c>--data</c> names at a model's input size, where images that do not fit the model are a usage error.</summary>
internal static class DatasetOption
{
    /// <summary>The images of <paramref name="uri"/>, converted to <paramref name="shape"/>.</summary>
    /// <exception cref="UsageException">The images cannot be converted to the model's input; the message names <paramref name="option"/>.</exception>
    public static ImageSet Load(string option, string uri, ImageShape shape, CancellationToken cancellationToken)
    {
        try
        {
            return DatasetLoader.Load(uri, shape, cancellationToken);
        }
        catch (ArgumentException error) when (error.ParamName == "shape")
        {
            throw new UsageException($"{option} {uri} does not fit the model: {error.Message.Replace($" (Parameter '{error.ParamName}')", "", StringComparison.Ordinal)}");
        }
    }
}
