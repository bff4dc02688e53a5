using Microsoft.ML.OnnxRuntime;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Tests;
using Pipeline.Onnx;
using Pipeline.Onnx.Optimizers;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Distillation;
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

namespace Pipeline.Training.Tests.Distillation;

[Collection(TorchCollection.Name)]
public sealed class DistillationTests
{
    private static readonly string[] Classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    // A pretrained run, and a teacher: that run's encoder with a random linear head, exported as a classifier; the head's
    // weights times headScale, so that a test can ask for a teacher surer of its classes than a random head is.
    private static (RunDirectory Student, string Teacher) Fixture(TempDirectory folder, ImageSet images, float headScale = 1)
    {
        var student = new RunDirectory(folder.File("pretrained"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, checkpointEvery: 100), images, student, resume: false);
        return (student, Teacher(student, folder.File("teacher.onnx"), headSeed: 3, headScale, Classes));
    }

    // The pretrained encoder with a linear head drawn from headSeed, exported as a classifier into classes.
    private static string Teacher(RunDirectory student, string path, int headSeed, float headScale, string[] classes)
    {
        (Encoder encoder, _, _) = TrainedEncoder.Load(student);
        using (encoder)
        {
            random.manual_seed(headSeed);
            using var head = nn.Linear(encoder.EmbeddingDim, classes.Length);
            using (no_grad())
            {
                head.weight!.mul_(headScale);
            }
            using Tensor pixels = ExportFixtures.Pixels(16);
            EncoderOnnxExporter.ExportClassifier(encoder, head, classes, "{}", pixels, ExportFixtures.Provenance, path);
            return path;
        }
    }

    private static PretrainConfig DistillConfig(RunDirectory student, string teacher, ImageSet images, int epochs) =>
        student.ReadConfig() with
        {
            Method = new DistillationSettings([new TeacherFile(teacher, FileDigest.Of(teacher).Sha256)], student.LatestCheckpoint(), 1.0, Classes,
                SimClrAugmentationOptions.None),
            Epochs = epochs,
            Optimizer = new OptimizerSettings(OptimizerKind.AdamW, 1e-2, 0.9, 0, 0),
            CheckpointEvery = 2,
        };

    private static DistillationSettings Settings(PretrainConfig distill) => Assert.IsType<DistillationSettings>(distill.Method);

    [Fact]
    public void Student_LearnsTheTeachersClasses_AndExportsAClassifierWithItsContract()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        (RunDirectory student, string teacher) = Fixture(folder, images);
        var run = new RunDirectory(folder.File("distilled"));

        new Pretrainer(CPU).Run(DistillConfig(student, teacher, images, epochs: 20), images, run, resume: false);

        IReadOnlyList<StepMetrics> metrics = MetricsLog.Read(run.MetricsPath);
        Assert.Equal(40, metrics.Count);
        double first = metrics.Take(2).Average(step => step.Terms!["agreement"]);
        double last = metrics.TakeLast(2).Average(step => step.Terms!["agreement"]);
        Assert.True(last > first + 0.2 && last > 0.6, $"agreement with the teacher went from {first:P0} to {last:P0}");
        Assert.True(metrics[^1].Loss < metrics[0].Loss, $"the loss went from {metrics[0].Loss} to {metrics[^1].Loss}");

        string path = folder.File("inference_model.onnx");
        ExportResult export = RunExport.ExportClassifier(run, null, path, "{\"method\":\"distill\"}");
        Assert.InRange(export.Metadata.ParityMaxAbsDiff, 0, EncoderOnnxExporter.ParityTolerance);
        using var session = new InferenceSession(path);
        Assert.Equal(["embedding", "logits", "probabilities"], session.OutputMetadata.Keys.Order());
        Assert.Equal(Classes, ClassifierMetadata.FromProperties(session.ModelMetadata.CustomMetadataMap).ClassNames);
        Assert.Equal("distill", EmbeddingModelMetadata.Read(path).Method);
    }

    [Fact]
    public void Student_StartsFromThePretrainedEncoder()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        (RunDirectory student, string teacher) = Fixture(folder, images);
        PretrainConfig config = DistillConfig(student, teacher, images, epochs: 1);

        random.manual_seed(config.Seed);
        using PretextObjective objective = PretextMethods.Create(config);
        (Encoder pretrained, _, _) = TrainedEncoder.Load(student);
        using (pretrained)
        {
            Dictionary<string, Tensor> expected = pretrained.state_dict();
            foreach ((string name, Tensor value) in objective.Encoder.state_dict())
            {
                Assert.True(value.eq(expected[name]).all().item<bool>(), $"{name} is not the pretrained value");
            }
        }
    }

    [Theory]
    [InlineData(TeacherInput.View)]
    [InlineData(TeacherInput.Image)]
    public void Loss_TakesTheTeachersTargetsFromTheViewOrTheImage(TeacherInput teacherInput)
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        (RunDirectory student, string teacher) = Fixture(folder, images, headScale: 100);
        // The student's view is the image mirrored, always: the two choices give the teacher different pixels.
        PretrainConfig distill = DistillConfig(student, teacher, images, epochs: 1);
        PretrainConfig config = distill with
        {
            Method = Settings(distill) with
            {
                Augmentation = SimClrAugmentationOptions.None with { HorizontalFlipProbability = 1 },
                TeacherInput = teacherInput,
            },
        };
        random.manual_seed(config.Seed);
        using var objective = (DistillationObjective)PretextMethods.Create(config);
        objective.eval();
        using var teacherModel = TeacherModel.Load(teacher);
        using Tensor pixels = ExportFixtures.Pixels(8);

        using var scope = NewDisposeScope();
        Tensor loss = objective.ComputeLoss(pixels, new Generator(0), 0).Value;

        Tensor views = pixels.flip(3);
        Tensor targets = teacherModel.Logits(teacherInput == TeacherInput.Image ? pixels : views).softmax(1);
        Tensor logits = objective.Classifier.forward(objective.Encoder.forward(views));
        double expected = targets.mul(logits.log_softmax(1)).sum(1).mean().neg().item<float>();
        Tensor otherTargets = teacherModel.Logits(teacherInput == TeacherInput.Image ? views : pixels).softmax(1);
        double other = otherTargets.mul(logits.log_softmax(1)).sum(1).mean().neg().item<float>();
        Assert.Equal(expected, loss.item<float>(), 5);
        Assert.True(Math.Abs(other - expected) > 1e-4, $"the view and the image give the same loss ({expected}): the test cannot tell them apart");
    }

    [Fact]
    public void Loss_WithLabelledImages_AddsTheWeightedCrossEntropyOfTheirTrueLabels()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        (RunDirectory student, string teacher) = Fixture(folder, images, headScale: 20);
        // One labelled image: every draw is that image, whichever the generator picks.
        string[] ids = [ImageIds.Of(images, 5)];
        PretrainConfig distill = DistillConfig(student, teacher, images, epochs: 1);
        PretrainConfig config = distill with { Method = Settings(distill) with { Labelled = new LabelledTerm(ids, Weight: 2.5, BatchSize: 4) } };
        random.manual_seed(config.Seed);
        using var objective = (DistillationObjective)PretextMethods.Create(config, images);
        objective.eval();
        using var teacherModel = TeacherModel.Load(teacher);
        using var labelled = LabelledImages.Select(images, ids);
        using var scope = NewDisposeScope();
        Tensor pixels = ExportFixtures.Pixels(8);

        PretextLoss loss = objective.ComputeLoss(pixels, new Generator(0), 0);

        Tensor logits = objective.Classifier.forward(objective.Encoder.forward(pixels));
        double distillation = teacherModel.Logits(pixels).softmax(1).mul(logits.log_softmax(1)).sum(1).mean().neg().item<float>();
        (Tensor labelledPixels, Tensor labels) = labelled.Draw(1, new Generator(0), CPU);
        double supervised = nn.functional.cross_entropy(objective.Classifier.forward(objective.Encoder.forward(labelledPixels)), labels).item<float>();
        Assert.Equal(images.Labels![5], labels.item<long>());
        Assert.Equal(supervised, loss.Terms["labelled"].item<float>(), 4);
        Assert.Equal(distillation + 2.5 * supervised, loss.Value.item<float>(), 4);
        Assert.True(supervised > 1e-3, $"the labelled cross-entropy is {supervised}: the test cannot tell the term is there");
    }

    [Fact]
    public void Student_WithLabelledImages_LearnsTheirLabels_AndTheRunRecordsThem()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        (RunDirectory student, string teacher) = Fixture(folder, images);
        string[] ids = [.. Enumerable.Range(0, 16).Select(index => ImageIds.Of(images, index))];
        PretrainConfig distill = DistillConfig(student, teacher, images, epochs: 20);
        PretrainConfig config = distill with { Method = Settings(distill) with { Labelled = new LabelledTerm(ids, Weight: 1, BatchSize: 16) } };
        var run = new RunDirectory(folder.File("distilled"));

        new Pretrainer(CPU).Run(config, images, run, resume: false);

        IReadOnlyList<StepMetrics> metrics = MetricsLog.Read(run.MetricsPath);
        double first = metrics.Take(2).Average(step => step.Terms!["labelled"]);
        double last = metrics.TakeLast(2).Average(step => step.Terms!["labelled"]);
        Assert.True(last < first / 2, $"the labelled images' cross-entropy went from {first:F3} to {last:F3}");
        Assert.Equal(ids, Settings(run.ReadConfig()).Labelled!.LabelledIds);
        // The run exports and resumes like one without labels: the labelled images are read again from the data.
        Assert.Equal(40, new Pretrainer(CPU).Run(config, images, run, resume: true).Steps);
        Assert.InRange(RunExport.ExportClassifier(run, null, folder.File("inference_model.onnx"), "{}").Metadata.ParityMaxAbsDiff, 0, EncoderOnnxExporter.ParityTolerance);
    }

    [Fact]
    public void Ensemble_TargetsAreTheMeanOfItsTeachersSoftenedProbabilities_AndTheLossUsesThem()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        (RunDirectory student, string first) = Fixture(folder, images, headScale: 20);
        string second = Teacher(student, folder.File("second.onnx"), headSeed: 4, headScale: 20, Classes);
        PretrainConfig distill = DistillConfig(student, first, images, epochs: 1);
        PretrainConfig config = distill with
        {
            Method = Settings(distill) with
            {
                Teachers = [new TeacherFile(first, FileDigest.Of(first).Sha256), new TeacherFile(second, FileDigest.Of(second).Sha256)],
                Temperature = 2,
            },
        };
        using var scope = NewDisposeScope();
        using var ensemble = TeacherEnsemble.Load([first, second]);
        using var one = TeacherModel.Load(first);
        using var other = TeacherModel.Load(second);
        Tensor pixels = ExportFixtures.Pixels(8);

        Tensor targets = ensemble.Probabilities(pixels, 2);

        Tensor expected = one.Logits(pixels).div(2).softmax(1).add(other.Logits(pixels).div(2).softmax(1)).div(2);
        Assert.Equal(2, ensemble.Count);
        Assert.True(targets.allclose(expected, rtol: 1e-5, atol: 1e-6), "the targets are not the mean of the teachers' probabilities");
        Assert.False(targets.allclose(one.Logits(pixels).div(2).softmax(1), rtol: 1e-3, atol: 1e-3), "the two teachers agree: the test cannot tell one from the mean");

        random.manual_seed(config.Seed);
        using var objective = (DistillationObjective)PretextMethods.Create(config);
        objective.eval();
        Tensor loss = objective.ComputeLoss(pixels, new Generator(0), 0).Value;
        Tensor logits = objective.Classifier.forward(objective.Encoder.forward(pixels));
        Assert.Equal(expected.mul(logits.div(2).log_softmax(1)).sum(1).mean().neg().mul(4).item<float>(), loss.item<float>(), 4);
    }

    [Fact]
    public void Ensemble_OfTeachersWithOtherClasses_IsRefusedNamingBoth()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        (RunDirectory student, string first) = Fixture(folder, images);
        string[] reordered = [Classes[1], Classes[0], .. Classes[2..]];
        string second = Teacher(student, folder.File("second.onnx"), headSeed: 4, headScale: 1, reordered);

        var error = Assert.Throws<InvalidDataException>(() => TeacherEnsemble.Load([first, second]));

        Assert.Contains(second, error.Message);
        Assert.Contains(first, error.Message);
        Assert.Contains("the same classes in the same order", error.Message);
    }

    [Fact]
    public void Job_TheSameTeacherTwice_IsRefusedAsTheTeacherSetting_BeforeTheDataIsRead()
    {
        using var folder = new TempDirectory();
        (RunDirectory student, string teacher) = Fixture(folder, TinyRun.Images(32));
        string copy = folder.File("copy.onnx");
        File.Copy(teacher, copy);
        var options = new DistillOptions { Teachers = [teacher, copy], Student = student.Path, Data = "folder:/no/such/folder", Output = folder.File("distilled"), Device = "cpu" };
        string[] loaded = [];

        var error = Assert.Throws<InvalidSettingException>(() => new DistillJob().Run(options, new PretrainJobObserver { Loading = data => loaded = [data] }));

        Assert.Equal("teacher", error.Setting);
        Assert.Contains("another --seed", error.Describe(setting => "--" + setting));
        Assert.Empty(loaded);
        Assert.False(Path.Exists(options.Output));
    }

    [Fact]
    public void Cli_TheSameTeacherTwice_IsAUsageError_AndWritesNothing()
    {
        using var folder = new TempDirectory();
        (RunDirectory student, string teacher) = Fixture(folder, TinyRun.Images(32));
        string copy = folder.File("copy.onnx");
        File.Copy(teacher, copy);
        string output = folder.File("distilled");

        (int exitCode, _, string error) = CliProcess.Run("distill", "--teacher", teacher, copy, "--student", student.Path, "--out", output, "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("are the same model", error);
        Assert.False(Path.Exists(output), "a refused command line wrote its --out");
    }

    [Fact]
    public void Cli_LabelledWeightWithoutLabels_IsAUsageError_AndWritesNothing()
    {
        using var folder = new TempDirectory();
        (RunDirectory student, string teacher) = Fixture(folder, TinyRun.Images(32));
        string output = folder.File("distilled");

        (int exitCode, _, string error) = CliProcess.Run("distill", "--teacher", teacher, "--student", student.Path, "--labelled-weight", "2", "--out", output, "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--labelled-weight", error);
        Assert.Contains("give --labels too", error);
        Assert.False(Path.Exists(output), "a refused command line wrote its --out");
    }

    [Fact]
    public void Cli_LabelsNamingImagesTheDataDoesNotHave_IsAUsageError_AndWritesNothing()
    {
        using var folder = new TempDirectory();
        (RunDirectory student, string teacher) = Fixture(folder, TinyRun.Images(32));
        string labels = folder.File("labelled.csv");
        ImageIdFile.Write(labels, ["3", "70000"]);
        string output = folder.File("distilled");

        (int exitCode, _, string error) = CliProcess.Run("distill", "--teacher", teacher, "--student", student.Path, "--labels", labels, "--out", output, "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--labels", error);
        Assert.Contains("70000", error);
        Assert.False(Path.Exists(output), "a refused command line wrote its --out");
    }

    [Fact]
    public void Diverged_IsResumedWithALowerLearningRate_AsAPretrainingRunIs()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(32);
        (RunDirectory student, string teacher) = Fixture(folder, images);
        PretrainConfig config = DistillConfig(student, teacher, images, epochs: 4);
        var run = new RunDirectory(folder.File("distilled"));
        var pretrainer = new Pretrainer(CPU);

        Assert.Throws<TrainingDivergedException>(() =>
            pretrainer.Run(config with { Optimizer = config.Optimizer with { LearningRate = 1e30 } }, images, run, resume: false));
        PretrainResult resumed = pretrainer.Run(config, images, run, resume: true);

        Assert.Equal(4, resumed.Steps);
        OptimizerSettings optimizer = run.ReadConfig().Optimizer;
        LearningRateChange lowered = Assert.Single(optimizer.LearningRateChanges);
        Assert.Equal((1e30, config.Optimizer.LearningRate), (optimizer.LearningRate, lowered.LearningRate));
        Assert.Equal([1L, 2, 3, 4], MetricsLog.Read(run.MetricsPath).Select(step => step.Step));
    }

    [Fact]
    public void Teacher_ThatIsAnEncoderWithoutClasses_IsRefusedSayingWhatToGive()
    {
        using var folder = new TempDirectory();
        using Encoder encoder = ExportFixtures.RandomEncoder("convnet");
        using Tensor pixels = ExportFixtures.Pixels(8);
        string path = EncoderOnnxExporter.Export(encoder, pixels, ExportFixtures.Provenance, folder.File("encoder.onnx")).Path;

        var error = Assert.Throws<InvalidDataException>(() => TeacherModel.Load(path));

        Assert.Contains("inference_model.onnx", error.Message);
    }
}
