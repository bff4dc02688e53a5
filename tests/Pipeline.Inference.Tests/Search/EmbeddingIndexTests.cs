using Pipeline.Data.Tests;
using Pipeline.Errors;
using Pipeline.Inference.Search;

namespace Pipeline.Inference.Tests.Search;

public sealed class EmbeddingIndexTests
{
    internal static readonly string Sha = new('a', 64);

    [Theory]
    [InlineData(1, 4, 1)]
    [InlineData(500, 16, 1)]
    [InlineData(500, 16, 10)]
    [InlineData(500, 16, 500)]
    [InlineData(37, 3, 100)]
    [InlineData(2_000, 128, 25)]
    public void Search_FindsWhatABruteForceScanInDoublesFinds(int count, int dim, int k)
    {
        (string[] ids, float[] vectors) = RandomEntries(count, dim, seed: count + dim);
        var index = new EmbeddingIndex(Sha, dim);
        index.Add(ids, vectors);

        for (int q = 0; q < 5; q++)
        {
            float[] query = RandomVector(dim, new Random(1000 + q));
            IReadOnlyList<SearchHit> hits = index.Search(query, k);

            (string Id, double Score)[] expected = BruteForce(ids, vectors, dim, query, k);
            Assert.Equal(Math.Min(k, count), hits.Count);
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
            for (int i = 0; i < hits.Count; i++)
            {
                Assert.Equal(expected[i].Score, hits[i].Score, 1e-5);
            }
        }
    }

    [Fact]
    public void Search_OverRowBlocksOnManyThreads_FindsWhatOneThreadAndABruteForceScanFind()
    {
        int count = EmbeddingIndex.ParallelMinRows + 10_000, dim = 8;
        (string[] ids, float[] vectors) = RandomEntries(count, dim, seed: 7);
        var index = new EmbeddingIndex(Sha, dim);
        index.Add(ids, vectors);
        float[] query = RandomVector(dim, new Random(3));

        IReadOnlyList<SearchHit> parallel = index.Search(query, 20, maxDegreeOfParallelism: 4);
        IReadOnlyList<SearchHit> single = index.Search(query, 20, maxDegreeOfParallelism: 1);

        Assert.Equal(single, parallel);
        Assert.Equal(BruteForce(ids, vectors, dim, query, 20).Select(e => e.Id), parallel.Select(h => h.Id));
    }

    [Fact]
    public void Search_BreaksTiesById_WhateverTheOrderAddedAndTheThreadCount()
    {
        var small = new EmbeddingIndex(Sha, 2);
        small.Add(["c", "a", "d", "b", "far"], [1, 0, 2, 0, 1, 0, 3, 0, 0, 1]);

        Assert.Equal(["a", "b", "c"], small.Search([1, 0], 3).Select(h => h.Id));
        Assert.Equal(["a", "b", "c", "d", "far"], small.Search([5, 0], 10).Select(h => h.Id));

        // Copies of the query scattered over a large index, in no particular id order: the smallest ids win.
        int count = EmbeddingIndex.ParallelMinRows + 5_000;
        (string[] ids, float[] vectors) = RandomEntries(count, 4, seed: 11);
        float[] query = [0.5f, -0.5f, 0.5f, 0.5f];
        var copies = new List<string>();
        for (int row = 17; row < count; row += 9_973)
        {
            query.CopyTo(vectors.AsSpan(row * 4, 4));
            copies.Add(ids[row]);
        }
        var large = new EmbeddingIndex(Sha, 4);
        large.Add(ids, vectors);
        string[] expected = copies.Order(StringComparer.Ordinal).Take(3).ToArray();

        Assert.Equal(expected, large.Search(query, 3, maxDegreeOfParallelism: 1).Select(h => h.Id));
        Assert.Equal(expected, large.Search(query, 3, maxDegreeOfParallelism: 3).Select(h => h.Id));
    }

    [Fact]
    public void Search_ScoresAreCosines_WhateverTheVectorsLengths()
    {
        var index = new EmbeddingIndex(Sha, 2);
        index.Add(["east", "north-east", "west", "zero"], [10, 0, 3, 3, -0.1f, 0, 0, 0]);

        IReadOnlyList<SearchHit> hits = index.Search([2, 0], 4);

        Assert.Equal(["east", "north-east", "zero", "west"], hits.Select(h => h.Id));
        Assert.Equal([1f, MathF.Sqrt(0.5f), 0f, -1f], hits.Select(h => h.Score).ToArray(), new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void Search_WithKAboveTheCount_ReturnsEveryEntry_AndAnEmptyIndexNone()
    {
        var index = new EmbeddingIndex(Sha, 3);
        Assert.Empty(index.Search([1, 2, 3], 5));

        index.Add(["x", "y"], [1, 0, 0, 0, 1, 0]);

        Assert.Equal(["x", "y"], index.Search([1, 0.5f, 0], 5).Select(h => h.Id));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Search_WithKBelowOne_IsRefused(int k)
    {
        var index = new EmbeddingIndex(Sha, 2);
        index.Add(["x"], [1, 0]);

        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0], k));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0], 1, maxDegreeOfParallelism: k - 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0], 1, maxDegreeOfParallelism: 0));
    }

    [Theory]
    [InlineData(new[] { 1f, 0f, 0f }, "wrong_width")]
    [InlineData(new[] { 1f }, "wrong_width")]
    [InlineData(new[] { float.NaN, 1f }, "non_finite_value")]
    [InlineData(new[] { float.PositiveInfinity, 1f }, "non_finite_value")]
    [InlineData(new[] { 0f, 0f }, "zero_vector")]
    public void Search_WithAQueryThatIsNoEmbeddingOfTheIndex_IsRefusedSayingWhy(float[] query, string code)
    {
        var index = new EmbeddingIndex(Sha, 2);
        index.Add(["x"], [1, 0]);

        InvalidInputException error = Assert.Throws<InvalidInputException>(() => index.Search(query, 1));

        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Remove_TakesEntriesOut_KeepsTheOthersInOrder_AndTheyCanBeAddedAgain()
    {
        var index = new EmbeddingIndex(Sha, 2);
        index.Add(["a", "b", "c", "d"], [1, 0, 0, 1, -1, 0, 1, 1]);

        index.Remove(["b", "d"]);

        Assert.Equal(["a", "c"], index.Ids);
        Assert.Equal([1f, 0f, -1f, 0f], index.Vectors.ToArray());
        Assert.False(index.Contains("b"));
        Assert.Equal(["a", "c"], index.Search([0, 1], 10).Select(h => h.Id).Order());

        index.Add(["b"], [0, 5]);
        Assert.Equal("b", index.Search([0, 1], 1)[0].Id);
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void Remove_AnIdNotInTheIndex_IsRefusedAndRemovesNothing()
    {
        var index = new EmbeddingIndex(Sha, 2);
        index.Add(["a", "b"], [1, 0, 0, 1]);

        KeyNotFoundException error = Assert.Throws<KeyNotFoundException>(() => index.Remove(["a", "nope"]));

        Assert.Contains("'nope'", error.Message);
        Assert.Equal(["a", "b"], index.Ids);
    }

    [Theory]
    [InlineData(new[] { "a" }, "holds 'a' already")]
    [InlineData(new[] { "n", "n" }, "'n' more than once")]
    [InlineData(new[] { "" }, "empty")]
    [InlineData(new[] { "two\nlines" }, "line break")]
    public void Add_ABadOrRepeatedId_IsRefusedAndAddsNothing(string[] ids, string message)
    {
        var index = new EmbeddingIndex(Sha, 1);
        index.Add(["a"], [1]);

        UserErrorException error = Assert.Throws<UserErrorException>(() => index.Add(ids, new float[ids.Length]));

        Assert.Contains(message, error.Message);
        Assert.Equal(["a"], index.Ids);
    }

    [Fact]
    public void Add_VectorsThatAreNotOnePerIdOrNotFinite_AreRefused()
    {
        var index = new EmbeddingIndex(Sha, 2);

        Assert.Throws<ArgumentException>(() => index.Add(["a", "b"], [1, 2, 3]));
        Assert.Contains("NaN", Assert.Throws<UserErrorException>(() => index.Add(["a"], [1, float.NaN])).Message);
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Add_ManySmallBatches_KeepsEveryVector()
    {
        (string[] ids, float[] vectors) = RandomEntries(300, 5, seed: 2);
        var index = new EmbeddingIndex(Sha, 5);

        for (int start = 0; start < 300; start += 7)
        {
            int n = Math.Min(7, 300 - start);
            index.Add(ids[start..(start + n)], vectors.AsSpan(start * 5, n * 5));
        }

        var whole = new EmbeddingIndex(Sha, 5);
        whole.Add(ids, vectors);
        Assert.Equal(whole.Ids, index.Ids);
        Assert.Equal(whole.Vectors.ToArray(), index.Vectors.ToArray());
    }

    [Fact]
    public void RequireModel_AndSearchByImage_RefuseAnotherModel()
    {
        using var temp = new TempDirectory();
        using EmbeddingModel model = EmbeddingModel.Load(new TestModel(seed: 1).Write(temp.File("a.onnx")));
        using EmbeddingModel other = EmbeddingModel.Load(new TestModel(seed: 2).Write(temp.File("b.onnx")));
        var index = new EmbeddingIndex(model.Sha256, model.EmbeddingDim);
        index.Add(["x"], new float[model.EmbeddingDim].Select((_, i) => i + 1f).ToArray());
        byte[] png = TestImages.Png(8, 8);

        index.RequireModel(model.Sha256.ToUpperInvariant());
        IndexModelMismatchException error = Assert.Throws<IndexModelMismatchException>(() => index.RequireModel(other.Sha256));
        Assert.Contains(model.Sha256, error.Message);
        Assert.Contains(other.Sha256, error.Message);
        Assert.Throws<IndexModelMismatchException>(() => index.Search(other, png, 1));
    }

    [Fact]
    public void SearchByImage_FindsWhatSearchingItsEmbeddingFinds()
    {
        using var temp = new TempDirectory();
        using EmbeddingModel model = EmbeddingModel.Load(new TestModel().Write(temp.File("encoder.onnx")));
        byte[][] images = Enumerable.Range(0, 12)
            .Select(i => TestImages.Png(8, 8, (x, y) => new SkiaSharp.SKColor((byte)(i * 20 + x * 3), (byte)(y * 30), 0)))
            .ToArray();
        float[] embeddings = model.EmbedImages(images.Select(png => (ReadOnlyMemory<byte>)png).ToArray());
        var index = new EmbeddingIndex(model.Sha256, model.EmbeddingDim);
        index.Add(Enumerable.Range(0, 12).Select(i => $"image-{i:D2}.png").ToArray(), embeddings);

        IReadOnlyList<SearchHit> hits = index.Search(model, images[5], 3);

        Assert.Equal("image-05.png", hits[0].Id);
        Assert.Equal(1f, hits[0].Score, 5);
        IReadOnlyList<SearchHit> byEmbedding = index.Search(embeddings.AsSpan(5 * model.EmbeddingDim, model.EmbeddingDim), 3);
        Assert.Equal(byEmbedding.Select(h => h.Id), hits.Select(h => h.Id));
        Assert.Equal(byEmbedding.Select(h => h.Score), hits.Select(h => h.Score), new ToleranceComparer(1e-5f));
        Assert.Throws<InvalidInputException>(() => index.Search(model, "not an image"u8.ToArray(), 3));
    }

    [Fact]
    public void Build_Standardized_KeepsTheCataloguesStatistics_AndSearchesEntriesAndQueriesInThatSpace()
    {
        int count = 400, dim = 12;
        (string[] ids, float[] vectors) = ReluLikeEntries(count, dim, seed: 5);

        EmbeddingIndex index = EmbeddingIndex.Build(Sha, dim, ids, vectors);

        Assert.Equal(IndexMetric.StandardizedCosine, index.Metric);
        (double[] mean, double[] std) = Statistics(vectors, dim);
        VectorStandardization standardization = index.Standardization!;
        Assert.Equal(mean.Select(value => (float)value), standardization.Mean, new ToleranceComparer(1e-4f));
        Assert.Equal(std.Select(value => (float)value), standardization.Scale, new ToleranceComparer(1e-4f));
        float[] standardized = Standardize(vectors, mean, std);
        bool differsFromRawCosine = false;
        for (int q = 0; q < 5; q++)
        {
            float[] query = RandomVector(dim, new Random(2000 + q)).Select((value, d) => value * 3 + 10f * d).ToArray();
            IReadOnlyList<SearchHit> hits = index.Search(query, 10);

            (string Id, double Score)[] expected = BruteForce(ids, standardized, dim, Standardize(query, mean, std), 10);
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.Id));
            Assert.Equal(expected.Select(e => (float)e.Score), hits.Select(h => h.Score), new ToleranceComparer(1e-4f));
            differsFromRawCosine |= !BruteForce(ids, vectors, dim, query, 10).Select(e => e.Id).SequenceEqual(hits.Select(h => h.Id));
        }
        // The large means would have dominated a raw cosine: the data tells the two metrics apart.
        Assert.True(differsFromRawCosine);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(123)]
    [InlineData(399)]
    public void Build_Standardized_AQueryEqualToAnEntrysRawEmbedding_FindsItFirstWithScoreOne(int row)
    {
        (string[] ids, float[] vectors) = ReluLikeEntries(400, 12, seed: 6);
        EmbeddingIndex index = EmbeddingIndex.Build(Sha, 12, ids, vectors);

        SearchHit first = index.Search(vectors.AsSpan(row * 12, 12), 3)[0];

        Assert.Equal(ids[row], first.Id);
        Assert.Equal(1f, first.Score, 5);
    }

    [Fact]
    public void Build_Cosine_GivesWhatAPlainIndexGives_BitForBit()
    {
        (string[] ids, float[] vectors) = ReluLikeEntries(300, 8, seed: 7);
        var plain = new EmbeddingIndex(Sha, 8);
        plain.Add(ids, vectors);

        EmbeddingIndex built = EmbeddingIndex.Build(Sha, 8, ids, vectors, IndexMetric.Cosine);

        Assert.Equal(IndexMetric.Cosine, built.Metric);
        Assert.Null(built.Standardization);
        Assert.Equal(plain.Vectors.ToArray(), built.Vectors.ToArray());
        float[] query = RandomVector(8, new Random(4));
        Assert.Equal(plain.Search(query, 20), built.Search(query, 20));
        Assert.Equal(BruteForce(ids, vectors, 8, query, 20).Select(e => e.Id), built.Search(query, 20).Select(h => h.Id));
    }

    [Fact]
    public void Add_ToAStandardizedIndex_UsesTheStatisticsFixedWhenItWasBuilt()
    {
        (string[] ids, float[] vectors) = ReluLikeEntries(200, 6, seed: 8);
        EmbeddingIndex index = EmbeddingIndex.Build(Sha, 6, ids[..100], vectors.AsSpan(0, 600));
        VectorStandardization fixedStatistics = index.Standardization!;
        float[] mean = [.. fixedStatistics.Mean];

        index.Add(ids[100..], vectors.AsSpan(600));
        index.Remove(ids[..10]);

        Assert.Same(fixedStatistics, index.Standardization);
        Assert.Equal(mean, index.Standardization!.Mean);
        var expected = new EmbeddingIndex(Sha, fixedStatistics);
        expected.Add(ids[10..], vectors.AsSpan(60));
        Assert.Equal(expected.Vectors.ToArray(), index.Vectors.ToArray());
        Assert.Equal(ids[150], index.Search(vectors.AsSpan(150 * 6, 6), 1)[0].Id);
    }

    [Fact]
    public void Build_Standardized_WithADimensionThatNeverVaries_ScoresWithoutNaN()
    {
        (string[] ids, float[] vectors) = ReluLikeEntries(50, 4, seed: 9);
        for (int row = 0; row < 50; row++)
        {
            vectors[row * 4 + 2] = 5f;
        }

        EmbeddingIndex index = EmbeddingIndex.Build(Sha, 4, ids, vectors);
        IReadOnlyList<SearchHit> hits = index.Search([1, 2, 100, 3], 50);

        Assert.Equal(1f, index.Standardization!.Scale[2]);
        Assert.True(float.IsFinite(index.Standardization.Mean[2]));
        Assert.All(hits, hit => Assert.True(float.IsFinite(hit.Score), $"{hit.Id}: {hit.Score}"));
        Assert.All(index.Vectors.ToArray(), value => Assert.True(float.IsFinite(value)));
        Assert.Equal(ids[7], index.Search(vectors.AsSpan(7 * 4, 4), 1)[0].Id);
    }

    [Fact]
    public void Search_OfAStandardizedIndex_RefusesOnlyAQueryAtTheCataloguesMean()
    {
        EmbeddingIndex index = EmbeddingIndex.Build(Sha, 2, ["a", "b", "c"], [1, 10, 3, 10, 5, 40]);

        Assert.Equal("zero_vector", Assert.Throws<InvalidInputException>(() => index.Search([3, 20], 1)).Code);
        // All zeros is below the mean in both dimensions: a direction like any other.
        Assert.Equal("a", index.Search([0, 0], 1)[0].Id);
    }

    [Fact]
    public void Build_Standardized_OfNothing_IsRefused_AndCosineOfNothingIsEmpty()
    {
        Assert.Throws<UserErrorException>(() => EmbeddingIndex.Build(Sha, 3, [], []));
        Assert.Equal(0, EmbeddingIndex.Build(Sha, 3, [], [], IndexMetric.Cosine).Count);
        Assert.Contains("NaN", Assert.Throws<UserErrorException>(() => EmbeddingIndex.Build(Sha, 1, ["a", "b"], [1, float.NaN])).Message);
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Build(Sha, 2, ["a"], [1, 2, 3]));
    }

    [Fact]
    public void Constructor_RefusesSomethingThatIsNoSha256()
    {
        Assert.Throws<ArgumentException>(() => new EmbeddingIndex("abc", 2));
        Assert.Throws<ArgumentException>(() => new EmbeddingIndex(new string('g', 64), 2));
        Assert.Equal(Sha, new EmbeddingIndex(Sha.ToUpperInvariant(), 2).ModelSha256);
    }

    /// <summary>N seeded random entries: ids in no sorted order, vectors of random lengths.</summary>
    internal static (string[] Ids, float[] Vectors) RandomEntries(int count, int dim, int seed)
    {
        var random = new Random(seed);
        string[] ids = Enumerable.Range(0, count).Select(i => $"item-{(i * 7919L) % 1_000_003:D7}").ToArray();
        float[] vectors = new float[count * dim];
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (float)(random.NextDouble() * 2 - 1) * (1 + i / dim % 3);
        }
        return (ids, vectors);
    }

    /// <summary>Like ReLU features: dimension d is non-negative around a mean of 10·d, spread 1 to 3.</summary>
    internal static (string[] Ids, float[] Vectors) ReluLikeEntries(int count, int dim, int seed)
    {
        (string[] ids, float[] vectors) = RandomEntries(count, dim, seed);
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i] = Math.Max(0, vectors[i] + 10f * (i % dim));
        }
        return (ids, vectors);
    }

    // Each dimension's mean and population standard deviation, in doubles.
    private static (double[] Mean, double[] Std) Statistics(float[] vectors, int dim)
    {
        int count = vectors.Length / dim;
        double[] mean = Enumerable.Range(0, dim).Select(d => Enumerable.Range(0, count).Average(row => (double)vectors[row * dim + d])).ToArray();
        double[] std = Enumerable.Range(0, dim)
            .Select(d => Math.Sqrt(Enumerable.Range(0, count).Average(row => Math.Pow(vectors[row * dim + d] - mean[d], 2))))
            .ToArray();
        return (mean, std);
    }

    private static float[] Standardize(float[] vectors, double[] mean, double[] std) =>
        vectors.Select((value, i) => (float)((value - mean[i % mean.Length]) / std[i % mean.Length])).ToArray();

    private static float[] RandomVector(int dim, Random random) =>
        Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    // The reference: cosine of every entry in double precision, sorted by score, then by id.
    private static (string Id, double Score)[] BruteForce(string[] ids, float[] vectors, int dim, float[] query, int k)
    {
        double Norm(ReadOnlySpan<float> v)
        {
            double sum = 0;
            foreach (float x in v)
            {
                sum += (double)x * x;
            }
            return Math.Sqrt(sum);
        }
        double queryNorm = Norm(query);
        return ids.Select((id, row) =>
            {
                ReadOnlySpan<float> v = vectors.AsSpan(row * dim, dim);
                double dot = 0;
                for (int d = 0; d < dim; d++)
                {
                    dot += (double)v[d] * query[d];
                }
                return (Id: id, Score: dot / (Norm(v) * queryNorm));
            })
            .OrderByDescending(e => e.Score).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Take(k).ToArray();
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
