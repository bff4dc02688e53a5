using Microsoft.ML.OnnxRuntime;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Tests;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.SemiSupervised;
using Pipeline.Training.Tests.Export;
using Pipeline.Training.Tests.Pretraining;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Pipeline.Training.Tests.SemiSupervised;

[Collection(TorchCollection.Name)]
public sealed class FixMatchTests
{
    private static RunDirectory Pretrained(TempDirectory folder, ImageSet images)
    {
        var run = new RunDirectory(folder.File("pretrained"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, checkpointEvery: 100), images, run, resume: false);
        return run;
    }

    // The first labelledCount images are labelled; weak views are the images, strong ones their mirror images.
    private static PretrainConfig FixMatchConfig(RunDirectory start, ImageSet images, int labelledCount, int epochs, double confidence = 0.5,
        double unlabelledWeight = 1) =>
        TinyRun.Config(images, epochs: epochs, checkpointEvery: 2) with
        {
            Optimizer = new OptimizerSettings(OptimizerKind.AdamW, 1e-2, 0.9, 0, 0),
            Method = new FixMatchSettings(start.LatestCheckpoint(), [.. Enumerable.Range(0, labelledCount).Select(index => ImageIds.Of(images, index))],
                [.. images.ClassNames], confidence, unlabelledWeight, LabelledBatchSize: 8, SimClrAugmentationOptions.None,
                SimClrAugmentationOptions.None with { HorizontalFlipProbability = 1 }),
        };

    [Fact]
    public void Training_LearnsTheLabelledImages_UsesConfidentPseudoLabels_AndExportsAClassifierWithItsContract()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        RunDirectory pretrained = Pretrained(folder, images);
        var run = new RunDirectory(folder.File("fixmatch"));

        new Pretrainer(CPU).Run(FixMatchConfig(pretrained, images, labelledCount: 16, epochs: 15), images, run, resume: false);

        IReadOnlyList<StepMetrics> metrics = MetricsLog.Read(run.MetricsPath);
        Assert.Equal(30, metrics.Count);
        Assert.True(metrics.TakeLast(4).Average(step => step.Terms!["labelled"]) < metrics.Take(4).Average(step => step.Terms!["labelled"]) / 2,
            $"the labelled cross-entropy went from {metrics[0].Terms!["labelled"]} to {metrics[^1].Terms!["labelled"]}");
        double confidentFirst = metrics.Take(2).Average(step => step.Terms!["confident"]);
        double confidentLast = metrics.TakeLast(2).Average(step => step.Terms!["confident"]);
        Assert.True(confidentLast >= 0.25 && confidentLast > confidentFirst + 0.1,
            $"the share of images whose prediction passed the threshold went from {confidentFirst:P0} to {confidentLast:P0}");
        Assert.True(metrics.Any(step => step.Terms!["unlabelled"] > 0), "no pseudo-labelled term was ever trained");

        string path = folder.File("inference_model.onnx");
        ExportResult export = RunExport.ExportClassifier(run, null, path, "{\"method\":\"fixmatch\"}");
        Assert.InRange(export.Metadata.ParityMaxAbsDiff, 0, EncoderOnnxExporter.ParityTolerance);
        using var session = new InferenceSession(path);
        Assert.Equal(["embedding", "logits", "probabilities"], session.OutputMetadata.Keys.Order());
        Assert.Equal(images.ClassNames, ClassifierMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap).ClassNames);
        Assert.Equal("fixmatch", EmbeddingModelMetadata.Read(path).Method);
    }

    [Theory]
    [InlineData(1.0)]   // nothing reaches the threshold: the labelled term alone
    [InlineData(1e-6)]  // everything does: the labelled term plus the weighted pseudo-labelled one
    public void Loss_IsTheLabelledCrossEntropyPlusTheWeightedCrossEntropyOfConfidentPseudoLabelsOnStrongViews(double confidence)
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        RunDirectory pretrained = Pretrained(folder, images);
        PretrainConfig config = FixMatchConfig(pretrained, images, labelledCount: 12, epochs: 1, confidence, unlabelledWeight: 0.5);
        random.manual_seed(config.Seed);
        using var objective = (FixMatchObjective)PretextMethods.Create(config, images);
        objective.eval();
        using var scope = NewDisposeScope();
        Tensor pixels = PixelTensors.FromImages(images, 0, 16, CPU);

        PretextLoss loss = objective.ComputeLoss(pixels, new Generator(5), 0);

        // The labelled batch is the generator's first draw (identity weak views draw nothing); strong views are mirrors.
        Tensor picks = randint(12, [8], dtype: ScalarType.Int64, generator: new Generator(5));
        Tensor labelled = PixelTensors.FromImages(images, 0, 12, CPU).index_select(0, picks);
        Tensor labels = tensor(images.Labels!.Take(12).Select(label => (long)label).ToArray()).index_select(0, picks);
        Tensor Logits(Tensor x) => objective.Classifier.forward(objective.Encoder.forward(x));
        double supervised = F.cross_entropy(Logits(labelled), labels).item<float>();
        double unsupervised = confidence < 0.5 ? F.cross_entropy(Logits(pixels.flip(3)), Logits(pixels).argmax(1)).item<float>() : 0;
        Assert.Equal(supervised, loss.Terms["labelled"].item<float>(), 4);
        Assert.Equal(unsupervised, loss.Terms["unlabelled"].item<float>(), 4);
        Assert.Equal(supervised + (0.5 * unsupervised), loss.Value.item<float>(), 4);
        Assert.Equal(confidence < 0.5 ? 1 : 0, loss.Terms["confident"].item<float>());
    }

    [Fact]
    public void Start_FromARunWithAHead_TakesTheHeadToo()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        RunDirectory pretrained = Pretrained(folder, images);
        var first = new RunDirectory(folder.File("first"));
        new Pretrainer(CPU).Run(FixMatchConfig(pretrained, images, labelledCount: 8, epochs: 1), images, first, resume: false);
        (PretextObjective trained, _, _) = TrainedObjective.Load(first);

        random.manual_seed(0);
        using var next = (FixMatchObjective)PretextMethods.Create(FixMatchConfig(first, images, labelledCount: 8, epochs: 1), images);

        using (trained)
        {
            var head = ((IClassifierObjective)trained).Classifier;
            Assert.True(next.Classifier.weight!.eq(head.weight!).all().item<bool>(), "the head did not come from the starting run");
            Assert.True(next.Encoder.state_dict().All(pair => pair.Value.eq(trained.Encoder.state_dict()[pair.Key]).all().item<bool>()),
                "the encoder did not come from the starting run");
        }
    }

    [Fact]
    public void Cli_LabelsNamingImagesTheDataDoesNotHave_IsAUsageError_AndWritesNothing()
    {
        using var folder = new TempDirectory();
        RunDirectory pretrained = Pretrained(folder, TinyRun.Images(32));
        string labels = folder.File("labelled.csv");
        ImageIdFile.Write(labels, ["3", "70000"]);
        string output = folder.File("fixmatch");

        (int exitCode, _, string error) = CliProcess.Run("fixmatch", "--student", pretrained.Path, "--labels", labels, "--out", output, "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("70000", error);
        Assert.False(Path.Exists(output), "a refused command line wrote its --out");
    }
}
