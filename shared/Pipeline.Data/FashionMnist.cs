namespace Pipeline.Data;

/// <summary>
/// Loads Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017: 28x28 grey images of 10 kinds of clothing) from the IDX files
/// that Debian's dataset-fashion-mnist package installs.
/// </summary>
public static class FashionMnist
{
    /// <summary>Environment variable naming the folder of the four .gz files, when not the Debian default.</summary>
    public const string DirectoryVariable = "PIPELINE_FASHION_MNIST_DIR";

    /// <summary>Where <c>apt-get install -y dataset-fashion-mnist</c> puts the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, indexed by label, as the dataset's authors give them.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The folder to read: <paramref name="directory"/> when given, else <see cref="DirectoryVariable"/> when set,
    /// else <see cref="DefaultDirectory"/>.
    /// </summary>
    public static string ResolveDirectory(string? directory = null)
    {
        if (!string.IsNullOrEmpty(directory))
        {
            return directory;
        }
        string? fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? DefaultDirectory : fromEnvironment;
    }

    /// <summary>One split as a labelled 1x28x28 set whose source is its dataset URI (fashion-mnist:train).</summary>
    /// <param name="split">Train (60,000 images) or test (10,000).</param>
    /// <param name="directory">The folder of the .gz files; see <see cref="ResolveDirectory"/>.</param>
    /// <exception cref="DataFormatException">The folder or a file is missing or malformed, or the files disagree.</exception>
    public static ImageSet Load(FashionMnistSplit split, string? directory = null)
    {
        string prefix = split switch
        {
            FashionMnistSplit.Train => "train",
            FashionMnistSplit.Test => "t10k",
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Fashion-MNIST has a train and a test split."),
        };
        string folder = ResolveDirectory(directory);
        if (!Directory.Exists(folder))
        {
            throw new DataFormatException(folder,
                "does not exist: install Fashion-MNIST with `apt-get install -y dataset-fashion-mnist` (or `make setup`), "
                + $"or set {DirectoryVariable} to a folder holding its four IDX .gz files.");
        }

        string imagesPath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz");
        ImageSet images = IdxReader.ReadImages(imagesPath);
        int[] labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != images.Count)
        {
            throw new DataFormatException(imagesPath,
                $"holds {images.Count} images but {labelsPath} holds {labels.Length} labels: both must come from the same split.");
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassNames.Count)
            {
                throw new DataFormatException(labelsPath,
                    $"holds label {labels[i]} at index {i}, but Fashion-MNIST has {ClassNames.Count} classes (0-{ClassNames.Count - 1}).");
            }
        }

        return new ImageSet(new DatasetUri.FashionMnist(split).ToString(), images.Pixels, images.Count, images.Channels,
            images.Height, images.Width, labels, ClassNames);
    }
}
