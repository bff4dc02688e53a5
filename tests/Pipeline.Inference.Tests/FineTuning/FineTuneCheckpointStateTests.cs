using Pipeline.Data.SafeTensors;
using Pipeline.Inference.FineTuning;

namespace Pipeline.Inference.Tests.FineTuning;

public sealed class FineTuneCheckpointStateTests
{
    [Fact]
    public void Metadata_HasCamelCaseKeys_AndReadsBack()
    {
        var state = new FineTuneCheckpointState(42, 6, 5, 1, 0.25, 0.5, 0.875, "{\"epochs\":9}", "ab12");

        Dictionary<string, string> metadata = state.ToMetadata();

        Assert.Equal(
            ["artifactsSha256", "bestEpoch", "bestValidationAccuracy", "bestValidationLoss", "epoch", "epochsWithoutImprovement", "options", "step", "trainingLoss"],
            metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("42", "0.25", "{\"epochs\":9}"), (metadata["step"], metadata["trainingLoss"], metadata["options"]));
        Assert.Equal(state, FineTuneCheckpointState.FromMetadata(new SafeTensorsContent(new Dictionary<string, SafeTensor>(), metadata)));
    }

    [Fact]
    public void Metadata_WithoutValidation_HasNoBestFigures()
    {
        var state = new FineTuneCheckpointState(3, 1, 1, 0, 1.5, null, null, "{}", "ab12");

        Dictionary<string, string> metadata = state.ToMetadata();

        Assert.DoesNotContain("bestValidationLoss", metadata.Keys);
        Assert.Equal(state, FineTuneCheckpointState.FromMetadata(new SafeTensorsContent(new Dictionary<string, SafeTensor>(), metadata)));
    }

    [Fact]
    public void FromMetadata_ACheckpointWrittenBeforeTheOneCasing_Reads()
    {
        // The metadata of a real checkpoint that pipeline-infer finetune wrote before the one casing (bench/work/quality).
        var metadata = new Dictionary<string, string>
        {
            ["step"] = "500", ["epoch"] = "50", ["best_epoch"] = "50", ["epochs_without_improvement"] = "0", ["training_loss"] = "0.5523126888275146",
            ["best_validation_loss"] = "0.75",
            ["options"] = "{\"epochs\":50,\"batch_size\":64,\"learning_rate\":0.001,\"warmup_epochs\":0,\"validation_fraction\":0,\"patience\":20,\"class_balance\":0,\"horizontal_flip\":true,\"min_crop_scale\":0.5,\"evaluation_batch_size\":256,\"seed\":0}",
            ["artifacts_sha256"] = "6322245991521a50450ea533fe21835c229c84085463557d298daa73e51ca48e",
        };

        FineTuneCheckpointState state = FineTuneCheckpointState.FromMetadata(new SafeTensorsContent(new Dictionary<string, SafeTensor>(), metadata));

        Assert.Equal(new FineTuneCheckpointState(500, 50, 50, 0, 0.5523126888275146, 0.75, null, metadata["options"], metadata["artifacts_sha256"]), state);
    }
}
