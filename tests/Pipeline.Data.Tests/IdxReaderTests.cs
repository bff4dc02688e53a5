namespace Pipeline.Data.Tests;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(true, "images-idx3-ubyte.gz")]
    [InlineData(false, "images-idx3-ubyte")]
    [InlineData(true, "named-raw-but-gzip-idx3-ubyte")]
    [InlineData(false, "named-gzip-but-raw-idx3-ubyte.gz")]
    public void ReadImages_GzipOrRaw_RoundTripsPixelsWhateverTheName(bool gzip, string name)
    {
        string path = _temp.File(name);
        byte[] pixels = IdxFile.Ramp(3 * 4 * 5);
        IdxFile.WriteImages(path, 3, 4, 5, pixels, gzip);

        ImageSet set = IdxReader.ReadImages(path);

        Assert.Equal((3, 1, 4, 5), (set.Count, set.Channels, set.Height, set.Width));
        Assert.Equal(pixels, set.Pixels);
        Assert.Null(set.Labels);
        Assert.Equal(path, set.Source);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadLabels_GzipOrRaw_RoundTripsLabels(bool gzip)
    {
        string path = _temp.File("labels-idx1-ubyte.gz");
        IdxFile.WriteLabels(path, [9, 0, 255, 3], gzip);

        Assert.Equal([9, 0, 255, 3], IdxReader.ReadLabels(path));
    }

    [Fact]
    public void ReadImages_NoImages_GivesEmptySet()
    {
        string path = _temp.File("empty-idx3-ubyte.gz");
        IdxFile.WriteImages(path, 0, 28, 28, []);

        ImageSet set = IdxReader.ReadImages(path);

        Assert.Equal(0, set.Count);
        Assert.Empty(set.Pixels);
    }

    [Fact]
    public void ReadImages_TruncatedGzip_NamesFileAndShortfall()
    {
        string path = _temp.File("train-images-idx3-ubyte.gz");
        byte[] whole = IdxFile.Bytes(IdxReader.ImagesMagic, [10, 28, 28], IdxFile.Ramp(10 * 28 * 28));
        File.WriteAllBytes(path, IdxFile.Gzip(whole[..(16 + 1234)]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.DataPath);
        Assert.StartsWith(path, error.Message);
        Assert.Contains("truncated: header promises 10 images of 28x28 (7840 bytes) but only 1234 follow", error.Message);
    }

    [Fact]
    public void ReadImages_GzipStreamCutShort_NamesFileAndShortfall()
    {
        string path = _temp.File("train-images-idx3-ubyte.gz");
        byte[] compressed = IdxFile.Gzip(IdxFile.Bytes(IdxReader.ImagesMagic, [100, 28, 28], new byte[100 * 28 * 28]));
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("truncated: header promises 100 images of 28x28 (78400 bytes) but only", error.Message);
    }

    [Fact]
    public void ReadLabels_TruncatedRaw_NamesFileAndShortfall()
    {
        string path = _temp.File("train-labels-idx1-ubyte");
        File.WriteAllBytes(path, IdxFile.Bytes(IdxReader.LabelsMagic, [60000], new byte[7]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Equal($"{path} is truncated: header promises 60000 labels (60000 bytes) but only 7 follow.", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedHeader_NamesFile()
    {
        string path = _temp.File("short-idx3-ubyte");
        File.WriteAllBytes(path, IdxFile.Bytes(IdxReader.ImagesMagic, [10, 28], []));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path} is truncated: its header ends before dimension 3 of 3.", error.Message);
    }

    [Fact]
    public void ReadImages_LabelsFile_NamesFileAndBothMagics()
    {
        string path = _temp.File("train-labels-idx1-ubyte.gz");
        IdxFile.WriteLabels(path, [1, 2, 3]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("magic number 0x00000801 (IDX uint8 labels [N]), expected 0x00000803 (IDX uint8 images [N, H, W])",
            error.Message);
    }

    [Fact]
    public void ReadLabels_TextFile_SaysNotIdx()
    {
        string path = _temp.File("notes.txt");
        File.WriteAllText(path, "hello, world");

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("(not an IDX file), expected 0x00000801", error.Message);
    }

    [Fact]
    public void ReadImages_CorruptGzip_NamesFile()
    {
        string path = _temp.File("train-images-idx3-ubyte.gz");
        byte[] compressed = IdxFile.Gzip(IdxFile.Bytes(IdxReader.ImagesMagic, [2, 2, 2], new byte[8]));
        compressed[10] = 0xFF; // first deflate block header: final block of the reserved type 3
        File.WriteAllBytes(path, compressed);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.StartsWith($"{path} is a corrupt gzip stream", error.Message);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void ReadImages_MissingFile_NamesFile()
    {
        string path = Path.Combine(_temp.Path, "absent", "train-images-idx3-ubyte.gz");

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path} does not exist.", error.Message);
    }

    [Fact]
    public void ReadImages_TrailingBytes_NamesFile()
    {
        string path = _temp.File("long-idx3-ubyte.gz");
        IdxFile.WriteImages(path, 1, 2, 2, new byte[5]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path} has more data than its header promises (1 images of 2x2, 4 bytes): the header or the file is wrong.",
            error.Message);
    }

    [Fact]
    public void ReadImages_NegativeCount_NamesFile()
    {
        string path = _temp.File("negative-idx3-ubyte");
        IdxFile.WriteImages(path, -1, 2, 2, [], gzip: false);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path} has an impossible dimension 1 of -1 in its header.", error.Message);
    }
}
