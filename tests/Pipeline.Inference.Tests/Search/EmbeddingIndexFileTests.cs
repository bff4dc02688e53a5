using System.Globalization;
using Pipeline.Data.SafeTensors;
using Pipeline.Data.Tests;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Tests.Search;

public sealed class EmbeddingIndexFileTests : IDisposable
{
    // Reads an index file with numpy alone (no safetensors package, no .NET), as a FAISS or Qdrant loader would, and
    // prints the model's SHA-256 and the k nearest entries to a query: id and cosine.
    private const string NumpyReader = """
        import json, struct, sys
        import numpy as np
        path, query, k = sys.argv[1], np.array(sys.argv[2].split(","), dtype=np.float32), int(sys.argv[3])
        with open(path, "rb") as f:
            header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
            data = f.read()
        def tensor(name, dtype):
            begin, end = header[name]["data_offsets"]
            return np.frombuffer(data[begin:end], dtype=dtype).reshape(header[name]["shape"])
        vectors = tensor("vectors", "<f4")
        ids = tensor("ids", np.uint8).tobytes().decode("utf-8").split("\n")[:-1]
        scores = vectors @ (query / np.linalg.norm(query))
        print(header["__metadata__"]["model_sha256"])
        for i in sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))[:k]:
            print(f"{ids[i]}\t{scores[i]:.5f}")
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SaveThenLoad_GivesTheSameIndex()
    {
        EmbeddingIndex index = Sample(300, 16);
        index.Add(["été/chaussure 1.png", "a,b \"quoted\".jpg", "日本/靴.png"], new float[48].Select((_, i) => MathF.Sin(i)).ToArray());
        string path = _temp.File("catalogue.index");

        index.Save(path);
        EmbeddingIndex loaded = EmbeddingIndex.Load(path);

        Assert.Equal(index.ModelSha256, loaded.ModelSha256);
        Assert.Equal(index.Dim, loaded.Dim);
        Assert.Equal(index.Ids, loaded.Ids);
        Assert.Equal(index.Vectors.ToArray(), loaded.Vectors.ToArray());
        float[] query = new float[16].Select((_, i) => MathF.Cos(i)).ToArray();
        Assert.Equal(index.Search(query, 10), loaded.Search(query, 10));
    }

    [Fact]
    public void AnEmptyIndex_RoundTrips()
    {
        string path = _temp.File("empty.index");

        new EmbeddingIndex(EmbeddingIndexTests.Sha, 4).Save(path);
        EmbeddingIndex loaded = EmbeddingIndex.Load(path);

        Assert.Equal(0, loaded.Count);
        Assert.Equal(4, loaded.Dim);
    }

    [Fact]
    public void TheFile_IsPlainSafetensors_WithTheIdsAndTheModelInIt()
    {
        string path = _temp.File("catalogue.index");
        Sample(5, 3).Save(path);

        SafeTensorsContent content = SafeTensorsFile.Read(path);

        Assert.Equal(EmbeddingIndexFile.FormatName, content.Metadata["format"]);
        Assert.Equal(EmbeddingIndexFile.FormatVersion, content.Metadata["format_version"]);
        Assert.Equal(EmbeddingIndexTests.Sha, content.Metadata["model_sha256"]);
        Assert.Equal("cosine", content.Metadata["metric"]);
        Assert.Equal(("5", "3"), (content.Metadata["count"], content.Metadata["dim"]));
        Assert.Equal([5L, 3L], content.Require(EmbeddingIndexFile.VectorsTensor).Shape);
        Assert.Equal(SafeTensorDType.U8, content.Require(EmbeddingIndexFile.IdsTensor).DType);
    }

    [Fact]
    public void NumpyAlone_ReadsTheFile_AndFindsWhatSearchFinds()
    {
        EmbeddingIndex index = Sample(200, 8);
        string path = _temp.File("catalogue.index");
        index.Save(path);
        float[] query = [0.3f, -1, 0.2f, 0.7f, 0, 0.1f, -0.4f, 0.9f];

        (int exit, string stdout, string stderr) = OutsideClient.Run(OutsideClient.SystemPython, "-c", NumpyReader, path,
            string.Join(",", query.Select(v => v.ToString(CultureInfo.InvariantCulture))), "5");

        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Trim().Split('\n');
        Assert.Equal(index.ModelSha256, lines[0]);
        IReadOnlyList<SearchHit> hits = index.Search(query, 5);
        Assert.Equal(hits.Select(hit => hit.Id), lines[1..].Select(line => line.Split('\t')[0]));
        for (int i = 0; i < hits.Count; i++)
        {
            Assert.Equal(hits[i].Score, float.Parse(lines[i + 1].Split('\t')[1], CultureInfo.InvariantCulture), 4);
        }
    }

    [Fact]
    public void ASaveThatFails_LeavesTheOldFileAsItWas()
    {
        string path = _temp.File("catalogue.index");
        Sample(50, 4).Save(path);
        byte[] before = File.ReadAllBytes(path);
        EmbeddingIndex bigger = Sample(400_000, 4);

        Assert.ThrowsAny<OperationCanceledException>(() => bigger.Save(path, new CancellationToken(canceled: true)));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
        Assert.Equal(50, EmbeddingIndex.Load(path).Count);
    }

    [Fact]
    public void Load_OfSomethingElse_IsRefusedNamingTheFile()
    {
        string text = _temp.File("text.index");
        File.WriteAllText(text, "not an index");
        string tensors = _temp.File("weights.safetensors");
        SafeTensorsFile.Write(tensors, [SafeTensor.FromFloats("w", [2], [1f, 2f])]);
        string cut = _temp.File("cut.index");
        SafeTensorsFile.Write(cut,
            [SafeTensor.FromFloats("vectors", [2, 1], [1f, 2f]), new SafeTensor("ids", SafeTensorDType.U8, [2], "a\n"u8.ToArray())],
            new Dictionary<string, string> { ["format"] = EmbeddingIndexFile.FormatName, ["format_version"] = "1", ["model_sha256"] = EmbeddingIndexTests.Sha });

        Assert.Contains(text, Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Load(text)).Message);
        Assert.Contains("not an embedding index", Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Load(tensors)).Message);
        Assert.Contains("2 vectors but 1 ids", Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Load(cut)).Message);
        Assert.Throws<FileNotFoundException>(() => EmbeddingIndex.Load(_temp.File("none.index")));
    }

    private static EmbeddingIndex Sample(int count, int dim)
    {
        (string[] ids, float[] vectors) = EmbeddingIndexTests.RandomEntries(count, dim, seed: count);
        var index = new EmbeddingIndex(EmbeddingIndexTests.Sha, dim);
        index.Add(ids, vectors);
        return index;
    }
}
