using Pipeline.Errors;
using Pipeline.Inference.Selection;

namespace Pipeline.Inference.Tests.Selection;

public sealed class MarginSelectorTests
{
    // Five images, three classes: margins 0.8, 0.1, 0.5, 0.0 and 0.1.
    private static readonly float[] Probabilities =
    [
        0.9f, 0.1f, 0.0f,
        0.45f, 0.35f, 0.2f,
        0.1f, 0.2f, 0.7f,
        0.4f, 0.4f, 0.2f,
        0.05f, 0.4f, 0.55f,
    ];

    [Fact]
    public void Select_PicksTheSmallestMarginsFirst_TiesToTheLowerIndex_WithTheMarginAsTheReason()
    {
        SelectionResult selection = MarginSelector.Select(Probabilities, 3, 4, new HashSet<int>());

        Assert.Equal(SelectionStrategy.Margin, selection.Strategy);
        Assert.Equal([3, 1, 4, 2], selection.Images.Select(image => image.Index));
        Assert.Equal([0.0, 0.1, 0.15, 0.5], selection.Images.Select(image => Math.Round(image.Margin!.Value, 5)));
        Assert.All(selection.Images, image => Assert.Null(image.Cluster));
    }

    [Fact]
    public void Select_NeverPicksLabelledImages()
    {
        SelectionResult selection = MarginSelector.Select(Probabilities, 3, 2, new HashSet<int> { 3, 1 });

        Assert.Equal([4, 2], selection.Images.Select(image => image.Index));
    }

    [Fact]
    public void Select_MoreThanTheUnlabelledImages_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MarginSelector.Select(Probabilities, 3, 4, new HashSet<int> { 0, 1 }));

        Assert.Contains("from 1 to the 3 images of the pool not yet labelled", error.Message);
    }

    [Fact]
    public void Select_ANaNProbability_SaysTheClassifierIsBroken()
    {
        float[] broken = [.. Probabilities];
        broken[7] = float.NaN;

        var error = Assert.Throws<UserErrorException>(() => MarginSelector.Select(broken, 3, 1, new HashSet<int>()));

        Assert.Contains("classifier", error.Message);
    }

    [Fact]
    public void Select_ProbabilitiesThatAreNotWholeRows_AreRefused() =>
        Assert.Throws<ArgumentException>(() => MarginSelector.Select(Probabilities.AsSpan(1).ToArray(), 3, 1, new HashSet<int>()));
}
