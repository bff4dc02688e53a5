using System.Text.Json.Nodes;

namespace Pipeline.Runs.Tests;

public sealed class SettingsDifferenceTests
{
    private sealed record Training(int Epochs, double LearningRate);

    private sealed record Settings(string Model, int? Limit, Training Training, int[] Hidden);

    private static readonly Settings Recorded = new("encoder.onnx", null, new Training(2, 0.01), [64]);

    [Fact]
    public void Between_TheSameSettings_IsEmpty()
    {
        SettingsDifference difference = SettingsDifference.Between(Recorded, Recorded with { Hidden = [64] }, RunJson.CamelCase);

        Assert.True(difference.IsEmpty);
        Assert.Empty(difference.Changed);
    }

    [Fact]
    public void Describe_ListsTheChangedSettings_ThenTheirRecordedAndRequestedValues_OnOneLineEach()
    {
        Settings requested = Recorded with { Limit = 600, Training = new Training(3, 0.01), Hidden = [64, 32] };

        SettingsDifference difference = SettingsDifference.Between(Recorded, requested, RunJson.CamelCase);

        Assert.Equal(["limit", "training.epochs", "hidden"], difference.Changed);
        Assert.Equal(
            "  changed:   limit, training.epochs, hidden\n"
            + "  recorded:  {\"limit\":null,\"training\":{\"epochs\":2},\"hidden\":[64]}\n"
            + "  requested: {\"limit\":600,\"training\":{\"epochs\":3},\"hidden\":[64,32]}",
            difference.Describe());
    }

    [Fact]
    public void Describe_Indented_KeepsEachObjectUnderItsLabel()
    {
        SettingsDifference difference = SettingsDifference.Between(Recorded, Recorded with { Training = new Training(2, 0.5) }, RunJson.CamelCase);

        Assert.Equal(
            "  changed:   training.learningRate\n"
            + "  recorded:  {\n    \"training\": {\n      \"learningRate\": 0.01\n    }\n  }\n"
            + "  requested: {\n    \"training\": {\n      \"learningRate\": 0.5\n    }\n  }",
            difference.Describe(indented: true));
    }

    [Fact]
    public void Between_ASettingOnlyOneSideHas_IsChanged()
    {
        var recorded = new JsonObject { ["epochs"] = 2, ["seed"] = 0 };
        var requested = new JsonObject { ["epochs"] = 2, ["patience"] = 20 };

        SettingsDifference difference = SettingsDifference.Between(recorded, requested);

        Assert.Equal(["seed", "patience"], difference.Changed);
        Assert.Contains("recorded:  {\"seed\":0}", difference.Describe());
        Assert.Contains("requested: {\"patience\":20}", difference.Describe());
    }

    [Fact]
    public void Between_NumbersWrittenDifferently_AreTheSameSetting()
    {
        SettingsDifference difference = SettingsDifference.Between(
            JsonNode.Parse("""{"learning_rate":0.010,"epochs":2}""")!.AsObject(), JsonNode.Parse("""{"epochs":2.0,"learning_rate":1e-2}""")!.AsObject());

        Assert.True(difference.IsEmpty);
    }
}
