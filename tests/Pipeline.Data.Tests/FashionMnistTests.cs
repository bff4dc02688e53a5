namespace Pipeline.Data.Tests;

// Reads the real dataset from Debian's dataset-fashion-mnist package, and the environment variable that overrides it.
[Collection(nameof(EnvironmentCollection))]
public sealed class FashionMnistTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_Train_Has60000LabelledImagesOf28x28FirstAnAnkleBoot()
    {
        ImageSet train = FashionMnist.Load(FashionMnistSplit.Train);

        Assert.Equal("fashion-mnist:train", train.Source);
        Assert.Equal(new ImageShape(1, 28, 28), train.Shape);
        Assert.Equal(60000, train.Count);
        Assert.Equal(60000 * 28 * 28, train.Pixels.Length);
        Assert.Equal(9, train.RequireLabels()[0]);
        Assert.Equal("Ankle boot", train.ClassNames[9]);
        Assert.Null(train.FileNames);
        // An image, not zeros: the first has dark borders and a bright middle.
        Assert.Equal(0, train.Pixels[0]);
        Assert.InRange(train.Pixels.AsSpan(0, 784).ToArray().Max(), 200, 255);
    }

    [Fact]
    public void Load_Train_Has6000ImagesPerClass()
    {
        int[] labels = FashionMnist.Load(FashionMnistSplit.Train).RequireLabels();

        int[] perClass = Enumerable.Range(0, 10).Select(c => labels.Count(label => label == c)).ToArray();

        Assert.All(perClass, count => Assert.Equal(6000, count));
    }

    [Fact]
    public void Load_Test_Has10000ImagesOf1000PerClass()
    {
        ImageSet test = FashionMnist.Load(FashionMnistSplit.Test);

        Assert.Equal("fashion-mnist:test", test.Source);
        Assert.Equal(10000, test.Count);
        Assert.Equal(new ImageShape(1, 28, 28), test.Shape);
        Assert.All(test.RequireLabels().CountBy(label => label), pair => Assert.Equal(1000, pair.Value));
        Assert.Equal(
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            test.ClassNames);
    }

    [Fact]
    public void Load_MissingDirectory_SaysHowToInstall()
    {
        string missing = Path.Combine(_temp.Path, "no-such-folder");

        var error = Assert.Throws<DataFormatException>(() => FashionMnist.Load(FashionMnistSplit.Train, missing));

        Assert.StartsWith($"{missing} does not exist", error.Message);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", error.Message);
        Assert.Contains("make setup", error.Message);
        Assert.Contains(FashionMnist.DirectoryVariable, error.Message);
    }

    [Fact]
    public void Load_EnvironmentVariable_OverridesDefaultButNotParameter()
    {
        WriteSplit(_temp.Path, "t10k", pixels: IdxFile.Ramp(3 * 28 * 28), labels: [4, 1, 7]);
        string? before = Environment.GetEnvironmentVariable(FashionMnist.DirectoryVariable);
        Environment.SetEnvironmentVariable(FashionMnist.DirectoryVariable, _temp.Path);
        try
        {
            ImageSet fromEnvironment = FashionMnist.Load(FashionMnistSplit.Test);
            ImageSet fromParameter = FashionMnist.Load(FashionMnistSplit.Test, FashionMnist.DefaultDirectory);

            Assert.Equal(_temp.Path, FashionMnist.ResolveDirectory());
            Assert.Equal([4, 1, 7], fromEnvironment.RequireLabels());
            Assert.Equal(IdxFile.Ramp(3 * 28 * 28), fromEnvironment.Pixels);
            Assert.Equal(10000, fromParameter.Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable(FashionMnist.DirectoryVariable, before);
        }
    }

    [Fact]
    public void Load_ImageAndLabelCountsDiffer_NamesBothFiles()
    {
        WriteSplit(_temp.Path, "train", pixels: new byte[3 * 28 * 28], labels: [1, 2]);

        var error = Assert.Throws<DataFormatException>(() => FashionMnist.Load(FashionMnistSplit.Train, _temp.Path));

        string images = Path.Combine(_temp.Path, "train-images-idx3-ubyte.gz");
        string labels = Path.Combine(_temp.Path, "train-labels-idx1-ubyte.gz");
        Assert.Equal($"{images} holds 3 images but {labels} holds 2 labels: both must come from the same split.", error.Message);
    }

    [Fact]
    public void Load_LabelOutsideTenClasses_NamesLabelsFile()
    {
        WriteSplit(_temp.Path, "train", pixels: new byte[2 * 28 * 28], labels: [1, 10]);

        var error = Assert.Throws<DataFormatException>(() => FashionMnist.Load(FashionMnistSplit.Train, _temp.Path));

        Assert.StartsWith($"{Path.Combine(_temp.Path, "train-labels-idx1-ubyte.gz")} holds label 10 at index 1", error.Message);
    }

    [Fact]
    public void Load_MissingLabelsFile_NamesIt()
    {
        IdxFile.WriteImages(Path.Combine(_temp.Path, "train-images-idx3-ubyte.gz"), 1, 28, 28, new byte[784]);

        var error = Assert.Throws<DataFormatException>(() => FashionMnist.Load(FashionMnistSplit.Train, _temp.Path));

        Assert.Equal($"{Path.Combine(_temp.Path, "train-labels-idx1-ubyte.gz")} does not exist.", error.Message);
    }

    private static void WriteSplit(string folder, string prefix, byte[] pixels, byte[] labels)
    {
        IdxFile.WriteImages(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), pixels.Length / 784, 28, 28, pixels);
        IdxFile.WriteLabels(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), labels);
    }
}
