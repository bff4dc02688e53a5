using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Tests.Selection;

public sealed class SelectorTests
{
    private static readonly IReadOnlySet<int> Nothing = new HashSet<int>();

    [Fact]
    public void Typiclust_PicksTheCentreOfEveryGroup_LargestGroupFirst()
    {
        (EmbeddingPool pool, _, int[] centre) = Blobs.Make([20, 50, 35]);

        SelectionResult selection = new TypiclustSelector().Select(pool, 3, Nothing, seed: 0);

        Assert.Equal([centre[1], centre[2], centre[0]], selection.Images.Select(image => image.Index));
        Assert.Equal([50, 35, 20], selection.Images.Select(image => image.ClusterSize!.Value));
        Assert.All(selection.Images, image => Assert.True(image.Typicality > 0));
        Assert.Equal(3, selection.Clustering!.ClusterCount);
    }

    [Fact]
    public void Typiclust_WithLabelledImages_ClustersForThemTooAndFillsTheUncoveredGroups()
    {
        (EmbeddingPool pool, int[] group, _) = Blobs.Make([30, 30, 30]);
        var labelled = new HashSet<int> { 5, 6 }; // two images of group 0

        SelectionResult selection = new TypiclustSelector().Select(pool, 2, labelled, seed: 0);

        // Two labelled plus two to pick: four clusters, one group split in two; the picks go to the groups without labels.
        Assert.Equal(4, selection.Clustering!.ClusterCount);
        Assert.Equal([1, 2], selection.Images.Select(image => group[image.Index]).Order());
    }

    [Fact]
    public void Typiclust_SetsOutlierClustersAside_WhileLargerOnesHaveImages()
    {
        // Three groups, three clusters; the group of 3 is at most MinClusterSize, so the third pick is a second one
        // from the larger groups (the largest, then the lowest cluster id, among the least covered).
        (EmbeddingPool pool, int[] group, _) = Blobs.Make([3, 30, 30]);

        SelectionResult selection = new TypiclustSelector().Select(pool, 3, Nothing, seed: 0);

        Assert.Equal([1, 2], selection.Images.Take(2).Select(image => group[image.Index]).Order());
        Assert.DoesNotContain(selection.Images, image => group[image.Index] == 0);
    }

    [Fact]
    public void Typiclust_OnAClusterOfSeveralHundredImages_PicksTheImageNearestToItsTwentyNeighbours()
    {
        // One cluster of 600: typicality is measured in blocks of members against chunks of the cluster, which must find
        // what one distance per pair finds.
        (EmbeddingPool pool, _, _) = Blobs.Make([600], spread: 0.3f);
        double[] meanDistance = Enumerable.Range(0, pool.Count)
            .Select(i => Enumerable.Range(0, pool.Count).Where(j => j != i).Select(j => (double)pool.Distance(i, j)).Order()
                .Take(TypiclustSelector.Neighbours).Average())
            .ToArray();
        int expected = Array.IndexOf(meanDistance, meanDistance.Min());

        SelectedImage pick = Assert.Single(new TypiclustSelector().Select(pool, 1, Nothing, seed: 0).Images);

        Assert.Equal(expected, pick.Index);
        Assert.Equal(1 / (meanDistance[expected] + 1e-5), pick.Typicality!.Value, 1e-3);
    }

    [Fact]
    public void KCenter_PicksTheFarthestImageEachTime_AndReportsItsDistance()
    {
        // Points on a line (two dimensions, scaled to unit length they stay on the quarter circle in this order).
        float[] values = Enumerable.Range(0, 11).SelectMany(i => new[] { MathF.Cos(i * MathF.PI / 20), MathF.Sin(i * MathF.PI / 20) }).ToArray();
        var pool = new EmbeddingPool(values, 2);

        SelectionResult selection = new KCenterGreedySelector().Select(pool, 2, new HashSet<int> { 0 }, seed: 0);

        Assert.Equal([10, 5], selection.Images.Select(image => image.Index));
        Assert.Equal(pool.Distance(0, 10), selection.Images[0].Distance!.Value, 5);
        Assert.Equal(pool.Distance(5, 10), selection.Images[1].Distance!.Value, 5);
    }

    [Fact]
    public void KCenter_WithNothingLabelled_StartsFromASeededDrawThenCoversTheGroups()
    {
        (EmbeddingPool pool, int[] group, _) = Blobs.Make([10, 10, 10, 10]);

        SelectionResult selection = new KCenterGreedySelector().Select(pool, 4, Nothing, seed: 2);

        Assert.Null(selection.Images[0].Distance);
        Assert.Equal([0, 1, 2, 3], selection.Images.Select(image => group[image.Index]).Order());
        Assert.Equal(selection.Images, new KCenterGreedySelector().Select(pool, 4, Nothing, seed: 2).Images);
    }

    [Fact]
    public void KCenter_OnDuplicates_NeverPicksAnImageTwice()
    {
        var pool = new EmbeddingPool(Enumerable.Repeat(new[] { 1f, 0f }, 5).SelectMany(row => row).ToArray(), 2);

        SelectionResult selection = new KCenterGreedySelector().Select(pool, 4, new HashSet<int> { 2 }, seed: 0);

        Assert.Equal([0, 1, 3, 4], selection.Images.Select(image => image.Index));
    }

    [Fact]
    public void KCenter_OnManyDuplicates_PicksThemInIndexOrder()
    {
        // Enough rows for the vectorised search of the farthest image: its ties go to the lowest index too.
        var pool = new EmbeddingPool(Enumerable.Repeat(new[] { 0.6f, 0.8f }, 200).SelectMany(row => row).ToArray(), 2);

        SelectionResult selection = new KCenterGreedySelector().Select(pool, 100, new HashSet<int> { 7, 150 }, seed: 0);

        Assert.Equal(Enumerable.Range(0, 102).Where(i => i is not 7 and not 150).Take(100), selection.Images.Select(image => image.Index));
    }

    [Fact]
    public void Random_PicksDistinctUnlabelledImages_DeterministicallyForASeed()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([50]);
        var labelled = new HashSet<int>(Enumerable.Range(0, 10));

        int[] picks = new RandomSelector().Select(pool, 30, labelled, seed: 4).Images.Select(image => image.Index).ToArray();

        Assert.Equal(30, picks.Distinct().Count());
        Assert.DoesNotContain(picks, labelled.Contains);
        Assert.Equal(picks, new RandomSelector().Select(pool, 30, labelled, seed: 4).Images.Select(image => image.Index));
        Assert.NotEqual(picks, new RandomSelector().Select(pool, 30, labelled, seed: 5).Images.Select(image => image.Index));
    }

    [Theory]
    [InlineData(SelectionStrategy.Typiclust)]
    [InlineData(SelectionStrategy.KCenter)]
    [InlineData(SelectionStrategy.Random)]
    public void EveryStrategy_RefusesABadBudgetOrLabelledIndex_AndTakesEveryImageLeft(SelectionStrategy strategy)
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([6, 6]);
        IImageSelector selector = ImageSelection.Create(strategy);
        var labelled = new HashSet<int> { 0, 7 };

        Assert.Equal(strategy, selector.Strategy);
        Assert.Throws<ArgumentOutOfRangeException>(() => selector.Select(pool, 0, labelled, 0));
        ArgumentOutOfRangeException tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => selector.Select(pool, 11, labelled, 0));
        Assert.Contains("10 images of the pool not yet labelled", tooMany.Message);
        Assert.Throws<ArgumentException>(() => selector.Select(pool, 1, new HashSet<int> { 12 }, 0));

        int[] all = selector.Select(pool, 10, labelled, 0).Images.Select(image => image.Index).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 12).Where(i => !labelled.Contains(i)), all);
    }
}
