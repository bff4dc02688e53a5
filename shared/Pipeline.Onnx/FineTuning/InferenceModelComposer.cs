using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// Joins the frozen prefix and the trained region and head into <c>inference_model.onnx</c>: input <c>pixels</c>,
/// outputs <c>embedding</c> (the embedding-model contract, so every embedding consumer still loads it),
/// <c>logits</c> and <c>probabilities</c>, with the encoder's metadata and the class names.
/// </summary>
/// <remarks>
/// The forward part is taken from the artifacts' own evaluation graph (what trained is what ships), its parameter
/// inputs turned into initializers holding the trained values; the loss and the labels are left out.
/// </remarks>
public static class InferenceModelComposer
{
    public const string ProbabilitiesOutput = ClassifierMetadata.ProbabilitiesOutput;

    /// <summary>Composes the inference model.</summary>
    /// <param name="evalModel">The artifacts' <c>eval_model.onnx</c>.</param>
    /// <param name="frozenModel">The artifacts' <c>frozen_model.onnx</c>; null when the graphs take pixels.</param>
    /// <param name="manifest">The artifacts' manifest.</param>
    /// <param name="parameters">The trained value of every parameter the manifest lists.</param>
    /// <param name="classifier">The class names and fine-tune summary for the metadata.</param>
    public static ModelProto Compose(ModelProto evalModel, ModelProto? frozenModel, ArtifactsManifest manifest,
        IReadOnlyDictionary<string, float[]> parameters, ClassifierMetadata classifier)
    {
        ArgumentNullException.ThrowIfNull(evalModel);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(classifier);
        if (manifest.CachesFeatures != frozenModel is not null)
        {
            throw new ArgumentException(manifest.CachesFeatures
                ? "The artifacts take features, so the frozen prefix is needed to compose the inference model."
                : "The artifacts take pixels and have no frozen prefix.", nameof(frozenModel));
        }

        var builder = new OnnxGraphBuilder("inference_model");
        builder.AddTensorInput(ArtifactsManifest.PixelsInput, TensorProto.Types.DataType.Float,
            [OnnxGraphBuilder.DynamicDimension, .. manifest.PixelShape]);
        if (frozenModel is not null)
        {
            // The prefix's own values may share names with the evaluation graph's (`embedding`, when only a head
            // trains): they get a prefix, all but the pixels in and the features out.
            Copy(builder, frozenModel.Graph, frozenModel.Graph.Node, new Dictionary<string, float[]>(), manifest,
                name => name is ArtifactsManifest.PixelsInput or ArtifactsManifest.FeaturesInput ? name : "frozen/" + name);
        }
        GraphProto eval = evalModel.Graph;
        Copy(builder, eval, Needed(eval, [ArtifactsManifest.LogitsOutput, ArtifactsManifest.EmbeddingOutput]), parameters, manifest, name => name);
        builder.AddNode("Softmax", "output/softmax", [ArtifactsManifest.LogitsOutput], [OnnxAttributes.Int("axis", 1)], output: ProbabilitiesOutput);

        builder.AddTensorOutput(ArtifactsManifest.EmbeddingOutput, TensorProto.Types.DataType.Float, [OnnxGraphBuilder.DynamicDimension, manifest.EmbeddingDim]);
        builder.AddTensorOutput(ArtifactsManifest.LogitsOutput, TensorProto.Types.DataType.Float, [OnnxGraphBuilder.DynamicDimension, manifest.ClassNames.Count]);
        builder.AddTensorOutput(ProbabilitiesOutput, TensorProto.Types.DataType.Float, [OnnxGraphBuilder.DynamicDimension, manifest.ClassNames.Count]);
        ModelProto model = builder.Build("pipeline-finetune", typeof(InferenceModelComposer).Assembly.GetName().Version?.ToString() ?? "");
        model.MetadataProps.AddRange(evalModel.MetadataProps.Select(entry => entry.Clone()));
        classifier.WriteTo(model);
        return model;
    }

    // Copies nodes and the initializers they read; a graph input that is a parameter becomes an initializer holding its trained value.
    private static void Copy(OnnxGraphBuilder builder, GraphProto graph, IEnumerable<NodeProto> nodes, IReadOnlyDictionary<string, float[]> parameters,
        ArtifactsManifest manifest, Func<string, string> rename)
    {
        var initializers = graph.Initializer.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        var parameterShapes = manifest.Parameters.ToDictionary(parameter => parameter.Name, parameter => parameter.Shape, StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
        {
            foreach (string input in node.Input.Where(input => input.Length > 0 && !builder.HasValue(rename(input))))
            {
                if (initializers.TryGetValue(input, out TensorProto? tensor))
                {
                    builder.AddInitializer(tensor, rename(input));
                }
                else if (parameterShapes.TryGetValue(input, out long[]? shape))
                {
                    builder.AddInitializer(Trained(input, shape, parameters));
                }
            }
            builder.AddNode(node, rename);
        }
    }

    private static TensorProto Trained(string name, long[] shape, IReadOnlyDictionary<string, float[]> parameters)
    {
        if (!parameters.TryGetValue(name, out float[]? values))
        {
            throw new ArgumentException($"No trained value for parameter '{name}'.", nameof(parameters));
        }
        long count = shape.Aggregate(1L, (product, size) => product * size);
        if (values.Length != count)
        {
            throw new ArgumentException($"Parameter '{name}' has {values.Length} values for shape [{string.Join(", ", shape)}].", nameof(parameters));
        }
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        };
        tensor.Dims.AddRange(shape);
        return tensor;
    }

    // The nodes the given outputs depend on, in graph order.
    private static IEnumerable<NodeProto> Needed(GraphProto graph, IReadOnlyCollection<string> outputs)
    {
        var wanted = new HashSet<string>(outputs, StringComparer.Ordinal);
        var needed = new bool[graph.Node.Count];
        for (int i = graph.Node.Count - 1; i >= 0; i--)
        {
            if (graph.Node[i].Output.Any(wanted.Contains))
            {
                needed[i] = true;
                wanted.UnionWith(graph.Node[i].Input);
            }
        }
        return graph.Node.Where((_, i) => needed[i]);
    }
}
