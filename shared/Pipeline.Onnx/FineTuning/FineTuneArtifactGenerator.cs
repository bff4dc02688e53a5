using Onnx;
using Pipeline.Data.SafeTensors;
using Pipeline.Errors;
using Pipeline.Onnx.Autodiff;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// Turns an embedding model (<c>encoder.onnx</c>) and a head spec into fine-tune artifacts that any ONNX Runtime
/// build can train with: a training-step graph, an evaluation graph and a frozen prefix, all of standard opset-17
/// operators, an initial checkpoint and <c>artifacts.json</c> (see <see cref="ArtifactsManifest"/>).
/// </summary>
/// <remarks>
/// <para>The encoder is split where <see cref="UnfreezeSpec"/> says (<see cref="TrainableRegion"/>). The training
/// graph copies the region's nodes, adds the head and the loss (<see cref="SoftmaxCrossEntropyLoss"/>),
/// differentiates them (<see cref="ReverseModeDifferentiator"/>) and applies the optimizer
/// (<see cref="OptimizerStep"/>) in the same graph. Parameters and optimizer state are graph inputs and outputs, so a
/// runner carries them from one step to the next; nothing is hidden in the graph's state.</para>
/// <para>A node without a gradient rule that the gradient must pass stops generation with an
/// <see cref="UnsupportedOperatorException"/> naming the operator and the node.</para>
/// </remarks>
public sealed class FineTuneArtifactGenerator(GradientRules? rules = null)
{
    private const string ProducerName = "pipeline-finetune";

    private readonly GradientRules _rules = rules ?? GradientRules.Standard;

    /// <summary>Reads <paramref name="encoderPath"/>, generates the artifacts and writes them to <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such encoder file.</exception>
    /// <exception cref="InvalidDataException">The file is not an embedding model this generator can split; the message says why.</exception>
    /// <exception cref="UnsupportedOperatorException">A gradient must pass an operator without a rule.</exception>
    public ArtifactsManifest Generate(string encoderPath, FineTuneArtifactOptions options, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(encoderPath);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!File.Exists(encoderPath))
        {
            throw new FileNotFoundException($"{encoderPath} does not exist: give the encoder.onnx that pipeline-train export wrote.", encoderPath);
        }
        ModelProto encoder = OnnxModelFile.Read(encoderPath);
        return Generate(encoder, Path.GetFullPath(encoderPath), FileDigest.Of(encoderPath).Sha256, options).Write(directory);
    }

    /// <summary>Generates the artifacts in memory.</summary>
    /// <param name="encoder">The embedding model.</param>
    /// <param name="source">Where it came from, for the manifest.</param>
    /// <param name="sourceSha256">SHA-256 of its file, for the manifest.</param>
    /// <param name="options">The head, what to unfreeze, the loss and the optimizer.</param>
    public FineTuneArtifacts Generate(ModelProto encoder, string source, string sourceSha256, FineTuneArtifactOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (encoder.OpsetImport.FirstOrDefault(opset => opset.Domain is "" or "ai.onnx") is { Version: > OnnxGraphBuilder.OpsetVersion } newer)
        {
            throw new InvalidDataException($"The encoder imports opset {newer.Version}; the artifacts are opset {OnnxGraphBuilder.OpsetVersion}: export it at opset ≤ {OnnxGraphBuilder.OpsetVersion}.");
        }
        TrainableRegion region = TrainableRegion.Find(encoder, options.Unfreeze, _rules);
        if (options.CacheFeatures && region.Cut == TrainableRegion.PixelsInput)
        {
            throw new InvalidSettingException(
                $"Every layer trains (unfreeze {options.Unfreeze}), so no frozen prefix computes features to cache: generate artifacts that take pixels.");
        }
        var head = new ClassificationHead(options.Head, region.EmbeddingDim, options.ClassNames.Count, options.Standardization);
        var loss = new SoftmaxCrossEntropyLoss(options.ClassNames.Count, options.LabelSmoothing);

        var parameters = new List<ArtifactParameter>();
        foreach (string name in region.Parameters)
        {
            long[] shape = region.Initializers[name].Dims.ToArray();
            parameters.Add(Parameter(name, shape, ArtifactParameter.EncoderOrigin, options.Optimizer));
        }
        foreach ((string name, long[] shape) in head.Parameters())
        {
            parameters.Add(Parameter(name, shape, ArtifactParameter.HeadOrigin, options.Optimizer));
        }

        var manifest = new ArtifactsManifest
        {
            CreatedUtc = DateTimeOffset.UtcNow,
            SourceEncoder = source,
            SourceEncoderSha256 = sourceSha256,
            Input = options.CacheFeatures ? ArtifactsManifest.FeaturesInput : ArtifactsManifest.PixelsInput,
            InputShape = options.CacheFeatures ? region.CutShape : region.Shapes[TrainableRegion.PixelsInput][1..],
            PixelShape = region.Shapes[TrainableRegion.PixelsInput][1..],
            EmbeddingDim = region.EmbeddingDim,
            ClassNames = options.ClassNames.ToArray(),
            Head = options.Head,
            StandardizesEmbedding = options.Standardization is not null,
            Unfreeze = options.Unfreeze,
            FrozenCut = region.Cut,
            TrainableNodes = region.Nodes.Where(node => node.OpType != "Constant").Select(node => node.Name).ToArray(),
            LabelSmoothing = options.LabelSmoothing,
            Optimizer = options.Optimizer,
            Parameters = parameters,
            Seed = options.Seed,
        };

        var writer = new GraphWriter(encoder, region, head, loss, manifest, _rules);
        Dictionary<string, float[]> headValues = head.InitialValues(options.Seed);
        var checkpoint = new List<SafeTensor>();
        foreach (ArtifactParameter parameter in parameters)
        {
            float[] values = parameter.Origin == ArtifactParameter.HeadOrigin
                ? headValues[parameter.Name]
                : TensorValues.Floats(region.Initializers[parameter.Name]);
            checkpoint.Add(SafeTensor.FromFloats(parameter.Name, parameter.Shape, values));
            foreach (string state in parameter.State)
            {
                checkpoint.Add(SafeTensor.FromFloats(state, parameter.Shape, new float[parameter.ElementCount]));
            }
        }
        return new FineTuneArtifacts(
            writer.Training(), writer.Evaluation(), options.CacheFeatures ? writer.Frozen() : null, checkpoint, manifest);
    }

    private static ArtifactParameter Parameter(string name, long[] shape, string origin, OptimizerStep optimizer) =>
        // Biases and normalisation scales and shifts are vectors; weight decay is for weight matrices and kernels.
        new(name, shape, shape.Length > 1, origin, optimizer.StateSlots.Select(slot => $"{name}.{slot}").ToArray());

    /// <summary>Writes the three graphs of one generation, which share the region, the head and the names.</summary>
    private sealed class GraphWriter(ModelProto encoder, TrainableRegion region, ClassificationHead head, SoftmaxCrossEntropyLoss loss,
        ArtifactsManifest manifest, GradientRules rules)
    {
        private readonly HashSet<string> _reserved = new(StringComparer.Ordinal)
        {
            ArtifactsManifest.FeaturesInput, ArtifactsManifest.LabelsInput, ArtifactsManifest.LearningRateInput,
            ArtifactsManifest.StepInput, ArtifactsManifest.LossOutput, ArtifactsManifest.LogitsOutput, InferenceModelComposer.ProbabilitiesOutput,
        };

        public ModelProto Training()
        {
            var builder = new OnnxGraphBuilder("training_model");
            Func<string, string> rename = Renaming();
            AddBatchInput(builder);
            string labels = builder.AddTensorInput(ArtifactsManifest.LabelsInput, TensorProto.Types.DataType.Int64, [OnnxGraphBuilder.DynamicDimension]);
            string learningRate = builder.AddTensorInput(ArtifactsManifest.LearningRateInput, TensorProto.Types.DataType.Float, []);
            string step = builder.AddTensorInput(ArtifactsManifest.StepInput, TensorProto.Types.DataType.Int64, []);
            AddParameterInputs(builder, withState: true);
            Dictionary<string, long[]> shapes = CopyForward(builder, rename);
            NodeProto[] forward = builder.Nodes.ToArray();
            (string lossValue, string? logitsGradient) = loss.Emit(builder, ArtifactsManifest.LogitsOutput, labels, withGradient: true);

            var differentiator = new ReverseModeDifferentiator(rules);
            IReadOnlyDictionary<string, string> gradients = differentiator.Differentiate(builder, forward, shapes,
                new Dictionary<string, string> { [ArtifactsManifest.LogitsOutput] = logitsGradient! },
                manifest.Parameters.Select(parameter => parameter.Name).ToArray());
            IReadOnlyList<IReadOnlyList<string>> updates = manifest.Optimizer.Emit(builder, learningRate, step,
                manifest.Parameters.Select(parameter => new ParameterUpdate(parameter.Name, gradients[parameter.Name], parameter.State, parameter.Decays)).ToArray());

            builder.AddNode("Identity", "output/loss", [lossValue], output: ArtifactsManifest.LossOutput);
            builder.AddTensorOutput(ArtifactsManifest.LossOutput, TensorProto.Types.DataType.Float, []);
            for (int i = 0; i < manifest.Parameters.Count; i++)
            {
                ArtifactParameter parameter = manifest.Parameters[i];
                string[] names = [parameter.Name, .. parameter.State];
                for (int j = 0; j < names.Length; j++)
                {
                    string output = builder.AddNode("Identity", "output/" + names[j], [updates[i][j]],
                        output: names[j] + ArtifactsManifest.UpdatedSuffix);
                    builder.AddTensorOutput(output, TensorProto.Types.DataType.Float, parameter.Shape);
                }
            }
            return Finish(builder);
        }

        public ModelProto Evaluation()
        {
            var builder = new OnnxGraphBuilder("eval_model");
            Func<string, string> rename = Renaming();
            AddBatchInput(builder);
            string labels = builder.AddTensorInput(ArtifactsManifest.LabelsInput, TensorProto.Types.DataType.Int64, [OnnxGraphBuilder.DynamicDimension]);
            AddParameterInputs(builder, withState: false);
            CopyForward(builder, rename);
            (string lossValue, _) = loss.Emit(builder, ArtifactsManifest.LogitsOutput, labels, withGradient: false);
            builder.AddNode("Identity", "output/loss", [lossValue], output: ArtifactsManifest.LossOutput);
            builder.AddTensorOutput(ArtifactsManifest.LogitsOutput, TensorProto.Types.DataType.Float, [OnnxGraphBuilder.DynamicDimension, manifest.ClassNames.Count]);
            builder.AddTensorOutput(ArtifactsManifest.LossOutput, TensorProto.Types.DataType.Float, []);
            builder.AddTensorOutput(ArtifactsManifest.EmbeddingOutput, TensorProto.Types.DataType.Float, [OnnxGraphBuilder.DynamicDimension, manifest.EmbeddingDim]);
            return Finish(builder);
        }

        public ModelProto Frozen()
        {
            var builder = new OnnxGraphBuilder("frozen_model");
            builder.AddTensorInput(TrainableRegion.PixelsInput, TensorProto.Types.DataType.Float, region.Shapes[TrainableRegion.PixelsInput]);
            CopyNodes(builder, region.Prefix, name => name);
            builder.AddNode("Identity", "output/features", [region.Cut], output: ArtifactsManifest.FeaturesInput);
            builder.AddTensorOutput(ArtifactsManifest.FeaturesInput, TensorProto.Types.DataType.Float, region.Shapes[region.Cut]);
            return Finish(builder);
        }

        // The first input: the frozen prefix's output, or the pixels.
        private void AddBatchInput(OnnxGraphBuilder builder) =>
            builder.AddTensorInput(manifest.Input, TensorProto.Types.DataType.Float,
                region.Shapes[manifest.CachesFeatures ? region.Cut : TrainableRegion.PixelsInput]);

        // The frozen prefix when the graphs take pixels, the region, the head → logits and embedding. Returns the
        // static shapes of every forward value, under this graph's names.
        private Dictionary<string, long[]> CopyForward(OnnxGraphBuilder builder, Func<string, string> rename)
        {
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach ((string value, long[] shape) in region.Shapes)
            {
                shapes[rename(value)] = shape;
            }
            if (!manifest.CachesFeatures)
            {
                CopyNodes(builder, region.Prefix, rename);
            }
            CopyNodes(builder, region.Nodes, rename);

            string embedding = rename(TrainableRegion.EmbeddingOutput);
            if (embedding != ArtifactsManifest.EmbeddingOutput)
            {
                builder.AddNode("Identity", "output/embedding", [embedding], output: ArtifactsManifest.EmbeddingOutput);
                shapes[ArtifactsManifest.EmbeddingOutput] = region.Shapes[TrainableRegion.EmbeddingOutput];
            }
            int headStart = builder.Nodes.Count;
            string logits = head.Emit(builder, ArtifactsManifest.EmbeddingOutput);
            builder.AddNode("Identity", "output/logits", [logits], output: ArtifactsManifest.LogitsOutput);
            foreach (ArtifactParameter parameter in manifest.Parameters)
            {
                shapes[parameter.Name] = parameter.Shape;
            }
            foreach (TensorProto constant in builder.Initializers)
            {
                shapes.TryAdd(constant.Name, constant.Dims.ToArray());
            }
            ShapeInference.Infer(builder.Nodes.Skip(headStart), shapes, new Dictionary<string, TensorProto>());
            return shapes;
        }

        // Copies nodes with the encoder initializers they read (parameters excepted: they are graph inputs).
        private void CopyNodes(OnnxGraphBuilder builder, IEnumerable<NodeProto> nodes, Func<string, string> rename)
        {
            foreach (NodeProto node in nodes)
            {
                foreach (string input in node.Input)
                {
                    if (region.Initializers.TryGetValue(input, out TensorProto? tensor) && !builder.HasValue(rename(input)))
                    {
                        builder.AddInitializer(tensor, rename(input));
                    }
                }
                builder.AddNode(node, rename);
            }
        }

        private void AddParameterInputs(OnnxGraphBuilder builder, bool withState)
        {
            foreach (ArtifactParameter parameter in manifest.Parameters)
            {
                builder.AddTensorInput(parameter.Name, TensorProto.Types.DataType.Float, parameter.Shape);
                if (withState)
                {
                    foreach (string state in parameter.State)
                    {
                        builder.AddTensorInput(state, TensorProto.Types.DataType.Float, parameter.Shape);
                    }
                }
            }
        }

        // Encoder value names as the artifacts' graphs call them: the cut is `features` when the graphs take features,
        // and an encoder name that clashes with one of the artifacts' own gets a suffix.
        private Func<string, string> Renaming()
        {
            var reserved = new HashSet<string>(_reserved, StringComparer.Ordinal);
            foreach (ArtifactParameter parameter in manifest.Parameters)
            {
                if (parameter.Origin == ArtifactParameter.HeadOrigin)
                {
                    reserved.Add(parameter.Name);
                }
                reserved.UnionWith(parameter.State);
            }
            reserved.UnionWith(manifest.TrainedValues.Select(value => value + ArtifactsManifest.UpdatedSuffix));
            return name =>
                manifest.CachesFeatures && name == region.Cut ? ArtifactsManifest.FeaturesInput
                : reserved.Contains(name) ? name + "_encoder"
                : name;
        }

        private ModelProto Finish(OnnxGraphBuilder builder)
        {
            ModelProto model = builder.Build(ProducerName, typeof(FineTuneArtifactGenerator).Assembly.GetName().Version?.ToString() ?? "");
            // The artifacts describe the same encoder: its pipeline.* metadata travels with them to the inference model.
            model.MetadataProps.AddRange(encoder.MetadataProps.Select(entry => entry.Clone()));
            return model;
        }
    }
}
