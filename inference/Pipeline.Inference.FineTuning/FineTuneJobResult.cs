namespace Pipeline.Inference.FineTuning;

/// <summary>What a <see cref="FineTuneJob"/> did: the run's settings, what training reached, and where the classifier is.</summary>
/// <param name="Config">Every setting of the run.</param>
/// <param name="LabelledImages">The labelled images it trained with (training and validation together).</param>
/// <param name="Training">What training did and reached.</param>
/// <param name="Summary">What <c>result.json</c> and the classifier's metadata record.</param>
/// <param name="InferenceModelPath">The <c>inference_model.onnx</c> written: the encoder with the trained head.</param>
public sealed record FineTuneJobResult(FineTuneConfig Config, int LabelledImages, FineTuneResult Training, FineTuneSummary Summary,
    string InferenceModelPath);
