using System.Text.Json.Serialization;
using Pipeline.Onnx.Optimizers;

namespace Pipeline.Inference.FineTuning;

/// <summary>The optimizer a fine-tune bakes into its training graph; written as its name (<c>adamw</c>, <c>sgd</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FineTuneOptimizer>))]
public enum FineTuneOptimizer
{
    /// <summary>Adam with decoupled weight decay: <see cref="AdamWStep"/>.</summary>
    [JsonStringEnumMemberName(AdamWStep.KindName)]
    AdamW,

    /// <summary>SGD with heavy-ball momentum: <see cref="SgdMomentumStep"/>.</summary>
    [JsonStringEnumMemberName(SgdMomentumStep.KindName)]
    Sgd,
}
