using Pipeline.Data.Tests;
using Pipeline.Inference.Embed;

namespace Pipeline.Inference.Tests.Cli;

/// <summary>The embedding files that pipeline-embed and pipeline-infer embed write.</summary>
public sealed class EmbeddingFileWriterTests : IDisposable
{
    private static readonly string[] Names = ["a.png", "b.png"];
    private static readonly float[] Embeddings = [1f, 2f, 3f, 4f, 5f, 6f];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("embeddings.npy")]
    [InlineData("embeddings.csv")]
    [InlineData("embeddings.jsonl")]
    public void Write_OverALongerOldFile_ReplacesItWholeAndLeavesNoTemporaryFile(string name)
    {
        string fresh = _temp.File("fresh/" + name);
        EmbeddingFileWriter.Write(fresh, Names, Embeddings, dim: 3);
        string path = _temp.File("old/" + name);
        File.WriteAllText(path, new string('x', 10_000));

        IReadOnlyList<string> written = EmbeddingFileWriter.Write(path, Names, Embeddings, dim: 3);

        Assert.Equal(File.ReadAllBytes(fresh), File.ReadAllBytes(path));
        Assert.Equal(written.Order(StringComparer.Ordinal), Directory.GetFiles(Path.GetDirectoryName(path)!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Write_Npy_IsNumPyFormatOneWithTheNamesBesideIt()
    {
        string path = _temp.File("embeddings.npy");

        EmbeddingFileWriter.Write(path, Names, Embeddings, dim: 3);

        byte[] bytes = File.ReadAllBytes(path);
        byte[] magicAndVersion = [0x93, .. "NUMPY"u8, 1, 0];
        Assert.Equal(magicAndVersion, bytes[..8]);
        int dataStart = 10 + BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, dataStart % 64);
        Assert.Contains("'shape': (2, 3)", System.Text.Encoding.ASCII.GetString(bytes, 10, dataStart - 10));
        Assert.Equal(Embeddings, Enumerable.Range(0, 6).Select(i => BitConverter.ToSingle(bytes, dataStart + 4 * i)));
        Assert.Equal(Names, File.ReadAllLines(EmbeddingFileWriter.NamesPath(path)));
    }
}
