using Pipeline.Errors;

namespace Pipeline.Data;

/// <summary>Loads the image set a dataset URI names (see <see cref="DatasetUri"/>).</summary>
public static class DatasetLoader
{
    /// <summary>Parses <paramref name="uri"/> and loads it; see <see cref="Load(DatasetUri, ImageShape?, CancellationToken)"/>.</summary>
    /// <exception cref="InvalidSettingException">The text is not a dataset URI; the message lists the accepted forms.</exception>
    public static ImageSet Load(string uri, ImageShape? shape = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return Load(DatasetUri.Parse(uri), shape, cancellationToken);
    }

    /// <summary>
    /// Loads the set the setting <paramref name="setting"/> names at a model's input <paramref name="shape"/>; images
    /// that cannot be converted to it are an error of that setting.
    /// </summary>
    /// <exception cref="InvalidSettingException">The images do not fit the model (<see cref="InvalidSettingException.Setting"/> is <paramref name="setting"/>).</exception>
    /// <exception cref="DataFormatException">The data is missing or malformed.</exception>
    public static ImageSet LoadSetting(string setting, DatasetUri uri, ImageShape shape, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setting);
        try
        {
            return Load(uri, shape, cancellationToken);
        }
        catch (InvalidSettingException error)
        {
            throw InvalidSettingException.ForSetting(setting, $"{uri} does not fit the model: {error.Message}", error);
        }
    }

    /// <summary>Loads the set <paramref name="uri"/> names.</summary>
    /// <param name="uri">The dataset.</param>
    /// <param name="shape">
    /// The shape the caller needs. Fashion-MNIST is always 1x28x28 and a different shape is refused rather than
    /// converted; a folder's images are converted to it, or keep their common size when it is null
    /// (see <see cref="ImageFolderReader.Read"/>).
    /// </param>
    /// <param name="cancellationToken">Stops loading.</param>
    /// <exception cref="DataFormatException">The data is missing or malformed.</exception>
    public static ImageSet Load(DatasetUri uri, ImageShape? shape = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        cancellationToken.ThrowIfCancellationRequested();
        switch (uri)
        {
            case DatasetUri.FashionMnist fashionMnist:
                ImageSet set = FashionMnist.Load(fashionMnist.Split);
                if (shape is { } wanted && wanted != set.Shape)
                {
                    throw new InvalidSettingException(
                        $"{uri} holds {set.Shape} images, not {wanted}: use a model made for {set.Shape} input.");
                }
                return set;
            case DatasetUri.Folder folder:
                return ImageFolderReader.Read(folder.Path, shape, cancellationToken);
            default:
                throw new ArgumentException($"{uri} is a dataset URI form this loader does not know.", nameof(uri));
        }
    }
}
