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
    [InlineData(SelectionStrategy.MaxHerding)]
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

    [Fact]
    public void MaxHerding_PicksTheCentreOfEveryGroup_LargestGroupFirst()
    {
        // Orthogonal groups are far apart (distance √2, kernel e^-4 at σ = 0.5): each pick covers its own group, and the
        // largest group adds the most coverage; within a group the centre is nearest to all the others.
        (EmbeddingPool pool, _, int[] centre) = Blobs.Make([20, 50, 35]);

        SelectionResult selection = new MaxHerdingSelector().Select(pool, 3, Nothing, seed: 0);

        Assert.Equal([centre[1], centre[2], centre[0]], selection.Images.Select(image => image.Index));
        double[] gains = selection.Images.Select(image => image.CoverageGain!.Value).ToArray();
        Assert.True(gains[0] > gains[1] && gains[1] > gains[2], string.Join(" ", gains));
        Assert.All(selection.Images, image => Assert.Null(image.Cluster));
    }

    [Fact]
    public void MaxHerding_ReportsEachPicksGainInCoverage_TheSameAsMeasuredFromTheKernelDirectly()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([40, 25], spread: 0.4f);
        const double bandwidth = 0.3;
        // Coverage as the paper defines it, over the unlabelled images (the labelled one, 3, is covered by itself).
        double Coverage(IEnumerable<int> chosen) => Enumerable.Range(0, pool.Count).Where(x => x != 3)
            .Select(x => chosen.Select(s => Math.Exp(-Math.Pow(pool.Distance(x, s), 2) / (2 * bandwidth * bandwidth))).DefaultIfEmpty(0).Max())
            .Average();

        SelectionResult selection = new MaxHerdingSelector(bandwidth).Select(pool, 4, new HashSet<int> { 3 }, seed: 0);

        var chosen = new List<int> { 3 };
        foreach (SelectedImage pick in selection.Images)
        {
            double before = Coverage(chosen);
            chosen.Add(pick.Index);
            Assert.Equal(Coverage(chosen) - before, pick.CoverageGain!.Value, 1e-4);
            // Greedy: no other unlabelled image would have raised the coverage more.
            double best = Enumerable.Range(0, pool.Count).Where(i => !chosen.Contains(i) || i == pick.Index)
                .Max(i => Coverage(chosen.Where(c => c != pick.Index).Append(i)) - before);
            Assert.Equal(best, pick.CoverageGain!.Value, 1e-4);
        }
    }

    [Fact]
    public void MaxHerding_WithAGroupLabelled_PicksFromTheOthers()
    {
        (EmbeddingPool pool, int[] group, int[] centre) = Blobs.Make([50, 30, 30]);

        SelectionResult selection = new MaxHerdingSelector().Select(pool, 2, new HashSet<int> { centre[0] }, seed: 0);

        Assert.Equal([1, 2], selection.Images.Select(image => group[image.Index]).Order());
    }

    [Fact]
    public void MaxHerding_OnAPoolLargerThanItsCoverageSample_IsDeterministicForASeed_AndPicksDistinctImages()
    {
        // More images than the coverage sample holds: the sample is drawn with the seed, and the gains are computed in
        // parallel blocks, which must give the same choice every time.
        int count = MaxHerdingSelector.CoverageSample + 500;
        var random = new Random(11);
        float[] values = Enumerable.Range(0, count * 4).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var pool = new EmbeddingPool(values, 4);

        int[] picks = new MaxHerdingSelector().Select(pool, 25, Nothing, seed: 1).Images.Select(image => image.Index).ToArray();

        Assert.Equal(25, picks.Distinct().Count());
        Assert.Equal(picks, new MaxHerdingSelector().Select(pool, 25, Nothing, seed: 1).Images.Select(image => image.Index));
        Assert.NotEqual(picks, new MaxHerdingSelector().Select(pool, 25, Nothing, seed: 2).Images.Select(image => image.Index));
    }

    [Fact]
    public void MaxHerding_Cancelled_ThrowsOperationCanceled_NotAnAggregate()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([300, 300]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => new MaxHerdingSelector().Select(pool, 5, Nothing, seed: 0, cancelled.Token));
    }

    [Fact]
    public void MaxHerding_RefusesABudgetAboveItsCap()
    {
        (EmbeddingPool pool, _, _) = Blobs.Make([MaxHerdingSelector.MaxBudget + 10]);

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new MaxHerdingSelector().Select(pool, MaxHerdingSelector.MaxBudget + 1, Nothing, seed: 0));

        Assert.Contains("k-center", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void MaxHerding_RefusesAKernelWidthThatIsNotAPositiveNumber(double bandwidth) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxHerdingSelector(bandwidth));

    [Fact]
    public void ImageSelection_GivesABandwidthToMaxHerdingOnly()
    {
        Assert.Equal(0.25, Assert.IsType<MaxHerdingSelector>(ImageSelection.Create(SelectionStrategy.MaxHerding, 0.25)).Bandwidth);
        Assert.Equal(MaxHerdingSelector.DefaultBandwidth, Assert.IsType<MaxHerdingSelector>(ImageSelection.Create(SelectionStrategy.MaxHerding)).Bandwidth);
        Assert.Throws<ArgumentException>(() => ImageSelection.Create(SelectionStrategy.Typiclust, 0.25));
    }
}
