using Pipeline.Cli;
using Pipeline.Errors;

namespace Pipeline.Inference.Tests.Cli;

/// <summary><see cref="OptionErrors"/>: a library's error about a setting, in the words of the verb whose options set it.</summary>
public sealed class OptionErrorsTests
{
    private static InvalidSettingException LabelledWeightWithoutLabels() => InvalidSettingException.ForSetting("labelled-weight", name =>
        $"shapes the labelled term, which only {name("labels")} adds: give {name("labels")} too.");

    [Fact]
    public void Named_ASettingError_IsAUsageErrorNamingEveryOptionItMentions()
    {
        var error = Assert.Throws<UsageException>(() => OptionErrors.Named<int>(() => throw LabelledWeightWithoutLabels()));

        Assert.Equal("--labelled-weight shapes the labelled term, which only --labels adds: give --labels too.", error.Message);
    }

    [Fact]
    public void Named_ASettingErrorInTheLibrarysWords_NamesTheSettingsPlainly()
    {
        InvalidSettingException error = LabelledWeightWithoutLabels();

        Assert.Equal("labelled-weight shapes the labelled term, which only labels adds: give labels too.", error.Message);
        Assert.Equal("shapes the labelled term, which only labels adds: give labels too.", error.Problem);
    }

    [Fact]
    public async Task NamedAsync_ASettingError_IsAUsageErrorNamingTheOption()
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => OptionErrors.NamedAsync(() => throw InvalidSettingException.ForSetting("urls", "is empty.")));

        Assert.Equal("--urls is empty.", error.Message);
    }

    [Fact]
    public void Named_AnErrorAboutNoOneSetting_PassesUnchanged()
    {
        var raised = new InvalidSettingException("the options conflict");

        Assert.Same(raised, Assert.Throws<InvalidSettingException>(() => OptionErrors.Named<int>(() => throw raised)));
    }
}
