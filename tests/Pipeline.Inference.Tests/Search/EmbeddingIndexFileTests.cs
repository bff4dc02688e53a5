using System.Globalization;
using Pipeline.Data.SafeTensors;
using Pipeline.Data.Tests;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Tests.Search;

public sealed class EmbeddingIndexFileTests : IDisposable
{
    // Reads an index file with numpy alone (no safetensors package, no .NET), as a FAISS or Qdrant loader would, and
    // prints the model's SHA-256 and the k nearest entries to a raw query (standardised first when the file says so):
    // id and cosine.
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
        if header["__metadata__"]["metric"] == "standardized-cosine":
            query = (query - tensor("mean", "<f4")) / tensor("scale", "<f4")
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
        // Plain cosine needs nothing version 1 lacked, so builds that read only version 1 read it too.
        Assert.Equal(EmbeddingIndexFile.CosineFormatVersion, content.Metadata["format_version"]);
        Assert.Equal(EmbeddingIndexTests.Sha, content.Metadata["model_sha256"]);
        Assert.Equal("cosine", content.Metadata["metric"]);
        Assert.Equal(("5", "3"), (content.Metadata["count"], content.Metadata["dim"]));
        Assert.Equal([5L, 3L], content.Require(EmbeddingIndexFile.VectorsTensor).Shape);
        Assert.Equal(SafeTensorDType.U8, content.Require(EmbeddingIndexFile.IdsTensor).DType);
        Assert.False(content.Tensors.ContainsKey(EmbeddingIndexFile.MeanTensor));
    }

    [Fact]
    public void AStandardizedIndex_IsVersionTwo_WithTheStatisticsAsTensors_AndRoundTrips()
    {
        (string[] ids, float[] vectors) = EmbeddingIndexTests.ReluLikeEntries(300, 8, seed: 12);
        EmbeddingIndex index = EmbeddingIndex.Build(EmbeddingIndexTests.Sha, 8, ids, vectors);
        string path = _temp.File("standardized.index");

        index.Save(path);
        SafeTensorsContent content = SafeTensorsFile.Read(path);
        EmbeddingIndex loaded = EmbeddingIndex.Load(path);

        Assert.Equal(EmbeddingIndexFile.FormatVersion, content.Metadata["format_version"]);
        Assert.Equal("2", content.Metadata["format_version"]);
        Assert.Equal("standardized-cosine", content.Metadata["metric"]);
        Assert.Equal([8L], content.Require(EmbeddingIndexFile.MeanTensor).Shape);
        Assert.Equal(SafeTensorDType.F32, content.Require(EmbeddingIndexFile.ScaleTensor).DType);
        Assert.Equal(index.Standardization!.Mean, content.Require(EmbeddingIndexFile.MeanTensor).ToFloats());
        Assert.Equal(IndexMetric.StandardizedCosine, loaded.Metric);
        Assert.Equal(index.Standardization.Mean, loaded.Standardization!.Mean);
        Assert.Equal(index.Standardization.Scale, loaded.Standardization.Scale);
        Assert.Equal(index.Vectors.ToArray(), loaded.Vectors.ToArray());
        float[] query = vectors[(40 * 8)..(41 * 8)];
        Assert.Equal(index.Search(query, 10), loaded.Search(query, 10));
        Assert.Equal(ids[40], loaded.Search(query, 1)[0].Id);
    }

    [Fact]
    public void AVersionOneFile_IsStillRead_AndSearchedByPlainCosine()
    {
        // What the first version wrote: no statistics, format_version 1.
        (string[] ids, float[] vectors) = EmbeddingIndexTests.ReluLikeEntries(100, 4, seed: 13);
        var plain = new EmbeddingIndex(EmbeddingIndexTests.Sha, 4);
        plain.Add(ids, vectors);
        byte[] idBytes = System.Text.Encoding.UTF8.GetBytes(string.Concat(ids.Select(id => id + "\n")));
        string path = _temp.File("v1.index");
        SafeTensorsFile.Write(path,
            [SafeTensor.FromFloats("vectors", [100, 4], plain.Vectors), new SafeTensor("ids", SafeTensorDType.U8, [idBytes.Length], idBytes)],
            new Dictionary<string, string>
            {
                ["format"] = EmbeddingIndexFile.FormatName, ["format_version"] = "1", ["model_sha256"] = EmbeddingIndexTests.Sha,
                ["metric"] = "cosine", ["count"] = "100", ["dim"] = "4", ["created_utc"] = "2025-01-01T00:00:00.0000000+00:00",
            });

        EmbeddingIndex loaded = EmbeddingIndex.Load(path);

        Assert.Equal(IndexMetric.Cosine, loaded.Metric);
        Assert.Null(loaded.Standardization);
        float[] query = [3, 12, 25, 31];
        Assert.Equal(plain.Search(query, 10), loaded.Search(query, 10));
    }

    [Fact]
    public void AStandardizedFileWithoutItsStatistics_IsRefused()
    {
        string path = _temp.File("broken.index");
        SafeTensorsFile.Write(path,
            [SafeTensor.FromFloats("vectors", [1, 2], [1f, 0f]), new SafeTensor("ids", SafeTensorDType.U8, [2], "a\n"u8.ToArray()),
             SafeTensor.FromFloats("mean", [2], [0f, 0f])],
            new Dictionary<string, string>
            {
                ["format"] = EmbeddingIndexFile.FormatName, ["format_version"] = "2", ["model_sha256"] = EmbeddingIndexTests.Sha,
                ["metric"] = "standardized-cosine",
            });

        Assert.Contains("scale", Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Load(path)).Message);
    }

    [Theory]
    [InlineData(IndexMetric.Cosine)]
    [InlineData(IndexMetric.StandardizedCosine)]
    public void NumpyAlone_ReadsTheFile_AndFindsWhatSearchFinds(IndexMetric metric)
    {
        (string[] ids, float[] vectors) = EmbeddingIndexTests.RandomEntries(200, 8, seed: 200);
        EmbeddingIndex index = EmbeddingIndex.Build(EmbeddingIndexTests.Sha, 8, ids, vectors, metric);
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
