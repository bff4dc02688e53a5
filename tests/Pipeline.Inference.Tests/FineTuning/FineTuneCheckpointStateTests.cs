using Pipeline.Data.SafeTensors;
using Pipeline.Inference.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTuneCheckpointStateTests
{
    [Fact]
    public void Metadata_HasTheKeysCheckpointsHaveAlwaysHad_AndReadsBack()
    {
        var state = new FineTuneCheckpointState(42, 6, 5, 1, 0.25, 0.5, 0.875, "{\"epochs\":9}", "ab12");

        Dictionary<string, string> metadata = state.ToMetadata();

        Assert.Equal(
            ["artifacts_sha256", "best_epoch", "best_validation_accuracy", "best_validation_loss", "epoch", "epochs_without_improvement", "options", "step", "training_loss"],
            metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("42", "0.25", "{\"epochs\":9}"), (metadata["step"], metadata["training_loss"], metadata["options"]));
        Assert.Equal(state, FineTuneCheckpointState.FromMetadata(new SafeTensorsContent(new Dictionary<string, SafeTensor>(), metadata)));
    }

    [Fact]
    public void Metadata_WithoutValidation_HasNoBestFigures()
    {
        var state = new FineTuneCheckpointState(3, 1, 1, 0, 1.5, null, null, "{}", "ab12");

        Dictionary<string, string> metadata = state.ToMetadata();

        Assert.DoesNotContain("best_validation_loss", metadata.Keys);
        Assert.Equal(state, FineTuneCheckpointState.FromMetadata(new SafeTensorsContent(new Dictionary<string, SafeTensor>(), metadata)));
    }
}
