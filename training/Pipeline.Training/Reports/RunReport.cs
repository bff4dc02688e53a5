using Pipeline.Runs;
using StringBuilder = System.Text.StringBuilder;
using Pipeline.Data;
using Pipeline.Figures;
using Pipeline.Training.Encoders;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Objectives;
using Pipeline.Training.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Reports;

/// <summary>
/// A run's report: PNG charts of its training curves (metrics.jsonl), of the accuracies of its evaluations, a PCA map of
/// test embeddings coloured by class, and for vae, ae and dae a grid of inputs beside reconstructions (vae: also prior
/// samples and latent interpolations), with a README.md that links and explains them.
/// </summary>
public static class RunReport
{
    /// <summary>The report's folder inside the run folder unless told otherwise.</summary>
    public const string DirectoryName = "report";

    /// <summary>How many test images the embedding map shows.</summary>
    public const int MapImages = 2000;

    /// <summary>Images per row of the image grids.</summary>
    public const int GridColumns = 10;

    public static string DefaultDirectory(RunDirectory run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Path.Combine(run.Path, DirectoryName);
    }

    /// <summary>
    /// Writes the report of <paramref name="checkpoint"/> (the run's newest when null) into <paramref name="directory"/>
    /// and returns the files written, README.md last. The images shown are the first of <paramref name="testData"/>
    /// (default: fashion-mnist:test for Fashion-MNIST runs, the training data otherwise).
    /// </summary>
    public static IReadOnlyList<string> Write(RunDirectory run, string? checkpoint, string? testData, string directory, Device device,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        PretrainConfig config = run.ReadConfig();
        string images = testData ?? (DatasetUri.Parse(config.Data) is DatasetUri.FashionMnist ? RunEvaluation.DefaultTestData(config.Data) : config.Data);
        (PretextObjective objective, long step, string checkpointPath) = TrainedObjective.Load(run, checkpoint);
        using (objective)
        {
            objective.to(device);
            Directory.CreateDirectory(directory);
            var report = new Writer(directory);
            ImageSet set = DatasetLoader.Load(images, new ImageShape(config.Encoder.InputChannels, config.Encoder.InputHeight, config.Encoder.InputWidth), cancellationToken);
            set = set.Take(Math.Min(MapImages, set.Count));

            WriteSummary(report, run, config, objective, step, checkpointPath);
            WriteTraining(report, run);
            WriteEvaluations(report, run, checkpointPath, step);
            WriteLearningCurve(report, run);
            WriteEmbeddings(report, objective.Encoder, set, device, cancellationToken);
            using (no_grad())
            {
                WriteImages(report, objective, set, config.Seed, device);
            }
            return report.Finish();
        }
    }

    private static void WriteSummary(Writer report, RunDirectory run, PretrainConfig config, PretextObjective objective, long step, string checkpointPath)
    {
        EncoderSpec backbone = config.Encoder;
        Encoder encoder = objective.Encoder;
        string embedding = encoder is LatentEncoder latent
            ? $"{backbone.EmbeddingDim} features → {latent.EmbeddingDim} ({(objective is VaeObjective ? "μ" : "code")}, the embedding)"
            : $"{backbone.EmbeddingDim} (the embedding)";
        report.Line($"# Run report: {config.Method.Name} on {config.Data}");
        report.Line();
        report.Line($"`{run.Path}`, checkpoint `{Path.GetFileName(checkpointPath)}` (step {step}). Every setting is in [run.json](../run.json).");
        report.Line();
        report.Line("| | |");
        report.Line("|---|---|");
        report.Line($"| method | {config.Method.Name}{Settings(config.Method)} |");
        report.Line($"| encoder | {backbone.Architecture}, {backbone.InputChannels}×{backbone.InputHeight}×{backbone.InputWidth} → {embedding} |");
        report.Line($"| data | {config.Data}{(config.Limit is { } limit ? $", first {limit} images" : "")}; {config.Epochs} epochs, batch {config.BatchSize}, seed {config.Seed} |");
        report.Line($"| optimizer | {config.Optimizer.Kind.ToString().ToLowerInvariant()}, peak lr {config.Optimizer.LearningRate:G4}, weight decay {config.Optimizer.WeightDecay:G3}, {config.Optimizer.WarmupSteps} warm-up steps |");
        report.Line();
    }

    private static string Settings(MethodSettings method) => method switch
    {
        SimClrSettings simClr => $" (τ {simClr.Temperature:G3}, projection {simClr.ProjectionDim})",
        AutoencoderSettings autoencoder => $" ({autoencoder.Likelihood.ToString().ToLowerInvariant()} likelihood"
            + (autoencoder is VaeSettings vae ? $", β {vae.Beta:G3}, KL warm-up {vae.KlWarmupSteps} steps" : "")
            + (autoencoder is DenoisingSettings denoising ? $", noise σ {denoising.NoiseStd:G3}, mask p {denoising.MaskProbability:G3}" : "")
            + ")",
        _ => "",
    };

    private static void WriteTraining(Writer report, RunDirectory run)
    {
        report.Line("## Training");
        report.Line();
        IReadOnlyList<StepMetrics> metrics = File.Exists(run.MetricsPath) ? MetricsLog.Read(run.MetricsPath) : [];
        if (metrics.Count == 0)
        {
            report.Line("No steps in metrics.jsonl.");
            report.Line();
            return;
        }
        double[] steps = metrics.Select(m => (double)m.Step).ToArray();
        report.Figure("loss.png", "loss per step", path => ReportCharts.Curve(path, steps, metrics.Select(m => m.Loss).ToArray(), "Training loss", "loss"));
        string[] terms = metrics.Where(m => m.Terms is not null).SelectMany(m => m.Terms!.Keys).Distinct().ToArray();
        foreach (string term in terms)
        {
            StepMetrics[] logged = metrics.Where(m => m.Terms?.ContainsKey(term) == true).ToArray();
            report.Figure($"{term}.png", $"{term} per step",
                path => ReportCharts.Curve(path, logged.Select(m => (double)m.Step).ToArray(), logged.Select(m => m.Terms![term]).ToArray(), $"Training {term}", term));
        }
        report.Line($"{metrics.Count} steps; final loss {metrics[^1].Loss:G6}"
            + string.Concat((metrics[^1].Terms ?? new Dictionary<string, double>()).Select(term => $", {term.Key} {term.Value:G4}")) + ".");
        report.Line();
    }

    private static void WriteEvaluations(Writer report, RunDirectory run, string checkpointPath, long step)
    {
        report.Line("## Evaluation of this checkpoint");
        report.Line();
        StoredEvaluations evaluations = StoredEvaluations.Read(run).Of(checkpointPath, step);
        if (evaluations.Accuracies.Count == 0 && evaluations.Elbos.Count == 0)
        {
            report.Line($"None yet: `pipeline-train evaluate --run {run.Path} --protocol knn linear --labels 1% 100%`, then `pipeline-train report --run {run.Path}`.");
            report.Line();
            return;
        }
        if (evaluations.Accuracies.Count > 0)
        {
            report.Line("| protocol | labels | labelled images | accuracy | test images |");
            report.Line("|---|---|---:|---:|---:|");
            foreach (EvaluationResult result in evaluations.Accuracies.OrderBy(r => r.Protocol, StringComparer.Ordinal).ThenBy(r => r.LabelledImages))
            {
                report.Line($"| {result.Protocol} | {result.Labels} | {result.LabelledImages} | {100 * result.Accuracy:F2}% | {result.TestImages} of {result.TestData} |");
            }
            report.Line();
            report.Figure("evaluation.png", "accuracy by protocol and label fraction", path => ReportCharts.Accuracies(path, evaluations.Accuracies));
        }
        foreach (ElboResult elbo in evaluations.Elbos)
        {
            report.Line($"ELBO on {elbo.TestImages} images of {elbo.TestData}: **{elbo.Elbo:F2} nats per image** = −(reconstruction {elbo.Reconstruction:F2} + KL {elbo.Kl:F2}), {elbo.Likelihood} likelihood, {elbo.Samples} sample{(elbo.Samples == 1 ? "" : "s")} of z per image.");
            report.Line();
        }
    }

    private static void WriteLearningCurve(Writer report, RunDirectory run)
    {
        LearningCurve curve = LearningCurve.Read(run);
        if (curve.Points.Count == 0)
        {
            return;
        }
        IReadOnlyList<string> figures = curve.Figures();
        report.Line("## Accuracy along the run");
        report.Line();
        report.Line($"Every kept checkpoint scored by `pipeline-train evaluate --every-checkpoint` (eval/{LearningCurve.DirectoryName}/): what more epochs, and more training time, bought.");
        report.Line();
        report.Line("| epoch | step | training time | " + string.Join(" | ", figures) + " |");
        report.Line("|---:|---:|---:|" + string.Concat(figures.Select(_ => "---:|")));
        foreach (LearningCurvePoint point in curve.Points)
        {
            Dictionary<string, double> accuracies = point.Results.ToDictionary(LearningCurve.FigureName, result => result.Accuracy);
            report.Line($"| {point.Epoch} | {point.Step} | {point.TrainingSeconds / 60:F1} min | "
                + string.Join(" | ", figures.Select(figure => accuracies.TryGetValue(figure, out double accuracy) ? $"{100 * accuracy:F2}%" : "–")) + " |");
        }
        report.Line();
        if (curve.Points.Count < 2)
        {
            return;
        }
        report.Figure("learning-curve-epochs.png", "accuracy against epochs",
            path => ReportCharts.AccuracyCurves(path, Series(curve, figures, point => point.Epoch), "Accuracy along the run", "epoch"));
        report.Figure("learning-curve-time.png", "accuracy against training time",
            path => ReportCharts.AccuracyCurves(path, Series(curve, figures, point => point.TrainingSeconds / 60), "Accuracy along the run", "training time (minutes)"));
    }

    private static (string Name, IReadOnlyList<(double X, double Accuracy)> Points)[] Series(LearningCurve curve, IReadOnlyList<string> figures,
        Func<LearningCurvePoint, double> x) =>
        [.. figures.Select(figure => (figure, (IReadOnlyList<(double X, double Accuracy)>)[.. curve.Points
            .SelectMany(point => point.Results.Where(result => LearningCurve.FigureName(result) == figure).Select(result => (x(point), result.Accuracy)))]))];

    private static void WriteEmbeddings(Writer report, Encoder encoder, ImageSet images, Device device, CancellationToken cancellationToken)
    {
        report.Line("## Embeddings");
        report.Line();
        using Tensor embeddings = EmbeddingExtractor.Embed(encoder, images, device, cancellationToken: cancellationToken);
        if (Math.Min(embeddings.shape[0], embeddings.shape[1]) < 2)
        {
            report.Line($"A map needs two dimensions and two images; the embedding has {embeddings.shape[1]} and there are {embeddings.shape[0]} images.");
            report.Line();
            return;
        }
        float[] rows;
        using (NewDisposeScope())
        {
            rows = embeddings.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }
        PrincipalComponents components = PrincipalComponents.Fit(rows, (int)embeddings.shape[1], 2, cancellationToken);
        double[][] coordinates = components.Project(rows);
        IReadOnlyList<double> explained = components.ExplainedVarianceRatios;
        report.Figure("embeddings-pca.png", "PCA map of the embeddings", path => Charts.Map(path, coordinates[0], coordinates[1], images.Labels,
            images.ClassNames, $"Embeddings of {images.Count} images of {images.Source}", $"PC1 ({100 * explained[0]:F1}% of the variance)",
            $"PC2 ({100 * explained[1]:F1}%)"));
        report.Line($"The embeddings of the first {images.Count} images of {images.Source} on their first two principal components "
            + $"({100 * (explained[0] + explained[1]):F1}% of the variance){(images.Labels is null ? "" : ", coloured by class")}.");
        report.Line();
    }

    private static void WriteImages(Writer report, PretextObjective objective, ImageSet images, int seed, Device device)
    {
        if (objective is not IReconstructingObjective reconstructing)
        {
            return;
        }
        bool wasTraining = objective.training;
        objective.eval();
        try
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(GridColumns, images.Count);
            Tensor pixels = PixelTensors.FromImages(images, 0, count, device);
            report.Line("## Reconstructions");
            report.Line();
            if (objective is AutoencoderObjective { Corruption: { } corruption })
            {
                using var generator = new Generator((ulong)(uint)seed);
                Tensor corrupted = corruption.Apply(pixels, generator);
                report.Figure("reconstructions.png", "inputs, corrupted inputs and reconstructions",
                    path => WriteGrid(path, cat([pixels, corrupted, reconstructing.Reconstruct(corrupted)], 0), count));
                report.Line($"Top: the first {count} images of {images.Source}; middle: corrupted as in training; bottom: decoded from the code of the corrupted image.");
            }
            else
            {
                report.Figure("reconstructions.png", "inputs and reconstructions",
                    path => WriteGrid(path, cat([pixels, reconstructing.Reconstruct(pixels)], 0), count));
                report.Line($"Top: the first {count} images of {images.Source}; bottom: the expected image decoded from their embedding{(objective is VaeObjective ? " μ" : "")}.");
            }
            report.Line();
            if (objective is VaeObjective vae)
            {
                WriteVaeImages(report, vae, images, seed, device);
            }
        }
        finally
        {
            objective.train(wasTraining);
        }
    }

    private static void WriteVaeImages(Writer report, VaeObjective vae, ImageSet images, int seed, Device device)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(uint)seed);
        // 8 rows of prior samples z ~ N(0, I).
        Tensor z = randn([8 * GridColumns, vae.Encoder.EmbeddingDim], dtype: ScalarType.Float32, device: CPU, generator: generator).to(device);
        report.Line("## Prior samples");
        report.Line();
        report.Figure("samples.png", "decoded prior samples", path => WriteGrid(path, vae.Decode(z), GridColumns));
        report.Line($"E[x | z] for {8 * GridColumns} draws of z from the prior N(0, I).");
        report.Line();

        int pairs = Math.Min(5, images.Count / 2);
        if (pairs == 0)
        {
            return;
        }
        // Each row goes from μ of image 2r to μ of image 2r + 1 in equal steps: [pairs·columns, L].
        Tensor mean = vae.Encoder.forward(PixelTensors.FromImages(images, 0, 2 * pairs, device)).reshape(pairs, 2, -1);
        Tensor t = linspace(0, 1, GridColumns, device: device).reshape(1, GridColumns, 1);
        Tensor path = mean.select(1, 0).unsqueeze(1).mul(t.neg().add(1)).add(mean.select(1, 1).unsqueeze(1).mul(t)).reshape(pairs * GridColumns, -1);
        report.Line("## Latent interpolation");
        report.Line();
        report.Figure("interpolation.png", "decoded interpolations between posterior means", file => WriteGrid(file, vae.Decode(path), GridColumns));
        report.Line($"Each row decodes {GridColumns} evenly spaced points from μ of one test image to μ of the next (images 1 and 2, 3 and 4, …).");
        report.Line();
    }

    private static void WriteGrid(string path, Tensor images, int columns)
    {
        (byte[] pixels, ImageShape shape) = PixelTensors.ToBytes(images);
        ImageGrid.Write(path, pixels, shape, columns);
    }

    /// <summary>The README being written and the files it links.</summary>
    private sealed class Writer(string directory)
    {
        private readonly StringBuilder _text = new();
        private readonly List<string> _files = [];

        public void Line(string text = "") => _text.AppendLine(text);

        /// <summary>Draws a figure into the report folder and links it.</summary>
        public void Figure(string fileName, string description, Action<string> draw)
        {
            string path = Path.Combine(directory, fileName);
            draw(path);
            _files.Add(path);
            Line($"![{description}]({fileName})");
            Line();
        }

        public IReadOnlyList<string> Finish()
        {
            string readme = Path.Combine(directory, "README.md");
            AtomicFile.WriteAllText(readme, _text.ToString());
            _files.Add(readme);
            return _files;
        }
    }
}
