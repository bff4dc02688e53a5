using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Data;
using Pipeline.Data.SafeTensors;
using Pipeline.Errors;
using Pipeline.Onnx.Optimizers;
using Pipeline.Training.Checkpoints;
using Pipeline.Training.Encoders;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.Pretraining;

[Collection(TorchCollection.Name)]
public sealed class PretrainerTests
{
    [Theory]
    [InlineData("simclr")]
    [InlineData("vae")]
    [InlineData("dae")]
    [InlineData("rotation")]
    public void Resume_AfterCancellation_ReachesSameWeightsAsUninterruptedRun(string method)
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(96);
        PretrainConfig config = TinyRun.Config(images, epochs: 2, batchSize: 32, checkpointEvery: 2, method: method);
        var pretrainer = new Pretrainer(CPU);

        PretrainResult uninterrupted = pretrainer.Run(config, images, new RunDirectory(folder.File("straight")), resume: false);

        var interruptedRun = new RunDirectory(folder.File("interrupted"));
        using var cancellation = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => pretrainer.Run(config, images, interruptedRun, resume: false,
            progress => { if (progress.Metrics.Step == 3) { cancellation.Cancel(); } }, cancellation.Token));
        // Cancellation saved step 3 although the interval is 2: Ctrl+C loses nothing.
        Assert.Equal([2L, 3L], interruptedRun.Checkpoints().Select(c => c.Step));
        PretrainResult resumed = pretrainer.Run(config, images, interruptedRun, resume: true);

        Assert.Equal(6, resumed.Steps);
        AssertSameTensors(uninterrupted.Checkpoint, resumed.Checkpoint);
        Assert.Equal(
            MetricsLog.Read(new RunDirectory(folder.File("straight")).MetricsPath).Select(m => (m.Step, m.Loss, Terms(m))),
            MetricsLog.Read(interruptedRun.MetricsPath).Select(m => (m.Step, m.Loss, Terms(m))));
    }

    [Fact]
    public void Bf16Run_ResumedAfterCancellation_ReachesTheUninterruptedWeights_AndRecordsItsPrecision()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(96);
        PretrainConfig config = TinyRun.Config(images, epochs: 2, batchSize: 32, checkpointEvery: 2) with { Precision = TrainingPrecision.Bf16 };
        var pretrainer = new Pretrainer(CPU);

        PretrainResult uninterrupted = pretrainer.Run(config, images, new RunDirectory(folder.File("straight")), resume: false);
        PretrainResult fp32 = pretrainer.Run(config with { Precision = TrainingPrecision.Fp32 }, images, new RunDirectory(folder.File("fp32")), resume: false);
        var interruptedRun = new RunDirectory(folder.File("interrupted"));
        using var cancellation = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => pretrainer.Run(config, images, interruptedRun, resume: false,
            progress => { if (progress.Metrics.Step == 3) { cancellation.Cancel(); } }, cancellation.Token));
        PretrainResult resumed = pretrainer.Run(config, images, interruptedRun, resume: true);

        AssertSameTensors(uninterrupted.Checkpoint, resumed.Checkpoint);
        Assert.Equal(TrainingPrecision.Bf16, interruptedRun.ReadConfig().Precision);
        // The weights are float32 either way, and bfloat16 arithmetic took the run somewhere near, not onto, the fp32 one.
        SafeTensorsContent mixed = SafeTensorsFile.Read(uninterrupted.Checkpoint);
        SafeTensorsContent exact = SafeTensorsFile.Read(fp32.Checkpoint);
        Assert.Equal(exact.Tensors.ToDictionary(pair => pair.Key, pair => pair.Value.DType), mixed.Tensors.ToDictionary(pair => pair.Key, pair => pair.Value.DType));
        Assert.Contains(exact.Tensors, pair => !pair.Value.Data.AsSpan().SequenceEqual(mixed.Tensors[pair.Key].Data));
        Assert.InRange(Math.Abs(resumed.FinalLoss - fp32.FinalLoss), 0, 0.05 * fp32.FinalLoss);
    }

    [Theory]
    [InlineData("vae", 4, 30.0)]
    [InlineData("ae", 4, 30.0)]
    [InlineData("dae", 4, 30.0)]
    [InlineData("rotation", 16, 0.1)]
    public void Run_FewEpochsOfEachMethod_LowersItsLoss(string method, int epochs, double drop)
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(128);
        PretrainConfig config = TinyRun.Config(images, epochs, batchSize: 32, checkpointEvery: 1000, method: method);
        var run = new RunDirectory(folder.File("run"));

        new Pretrainer(CPU).Run(config, images, run, resume: false);

        IReadOnlyList<StepMetrics> metrics = MetricsLog.Read(run.MetricsPath);
        Assert.Equal(4 * epochs, metrics.Count);
        double first = metrics.Take(4).Average(m => m.Loss);
        double last = metrics.TakeLast(4).Average(m => m.Loss);
        Assert.True(last < first - drop, $"{method}: loss went from {first:F3} to {last:F3}");
    }

    [Fact]
    public void Run_Vae_LogsReconstructionAndKlThatAddUpToTheLoss()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 1, method: "vae");
        var run = new RunDirectory(folder.File("run"));

        new Pretrainer(CPU).Run(config, images, run, resume: false);

        string firstLine = File.ReadLines(run.MetricsPath).First();
        Assert.Contains("\"terms\":{\"reconstruction\":", firstLine);
        foreach (StepMetrics step in MetricsLog.Read(run.MetricsPath))
        {
            IReadOnlyDictionary<string, double> terms = step.Terms!;
            Assert.Equal(["reconstruction", "kl"], terms.Keys);
            Assert.True(terms["kl"] > 0);
            Assert.Equal(step.Loss, terms["reconstruction"] + terms["kl"], 2);
        }
    }

    [Fact]
    public void Run_Rotation_LogsItsPretextAccuracy_AShareOfTheBatchThatRisesAsItLearns_AndSimClrLogsNoTerms()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(128);
        var rotation = new RunDirectory(folder.File("rotation"));
        var simClr = new RunDirectory(folder.File("simclr"));

        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 16, batchSize: 32, checkpointEvery: 1000, method: "rotation"), images, rotation, resume: false);
        new Pretrainer(CPU).Run(TinyRun.Config(images.Take(64), epochs: 1), images.Take(64), simClr, resume: false);

        double[] accuracy = MetricsLog.Read(rotation.MetricsPath).Select(step => step.Terms![RotationObjective.AccuracyTerm]).ToArray();
        Assert.Equal(64, accuracy.Length);
        // Each step's figure counts the images of its batch of 32 whose rotation was predicted.
        Assert.All(accuracy, share => Assert.Equal(Math.Round(share * 32), share * 32, 4));
        double first = accuracy.Take(8).Average(), last = accuracy.TakeLast(8).Average();
        // From chance (25%) to well above it.
        Assert.True(last > first + 0.15 && last > 0.4, $"pretext accuracy went from {first:P1} to {last:P1}");
        Assert.All(MetricsLog.Read(simClr.MetricsPath), step => Assert.Null(step.Terms));
        Assert.DoesNotContain("terms", File.ReadAllText(simClr.MetricsPath));
    }

    [Theory]
    [InlineData("vae", 8)]
    [InlineData("ae", 8)]
    [InlineData("rotation", 32)]
    public void TrainedEncoder_OfEachMethod_IsTheEncoderItTrained(string method, int embeddingDim)
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        var run = new RunDirectory(folder.File("run"));
        PretrainResult result = new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1, method: method), images, run, resume: false);

        (Encoder encoder, long step, _) = TrainedEncoder.Load(run);
        using (encoder)
        using (var scope = NewDisposeScope())
        {
            Assert.Equal(result.Steps, step);
            Assert.Equal(embeddingDim, encoder.EmbeddingDim);
            Assert.Equal(method is "vae" or "ae", encoder is LatentEncoder);
            Assert.Equal([3L, embeddingDim], encoder.forward(PixelTensors.FromImages(images, 0, 3, CPU)).shape);
        }
    }

    [Fact]
    public void Resume_FromOlderCheckpointAfterKill_DropsTheLostStepsFromMetrics()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(96);
        PretrainConfig config = TinyRun.Config(images, epochs: 2, batchSize: 32, checkpointEvery: 4);
        var run = new RunDirectory(folder.File("run"));
        var pretrainer = new Pretrainer(CPU);
        PretrainResult full = pretrainer.Run(config, images, run, resume: false);
        string reference = folder.File("reference.safetensors");
        File.Copy(full.Checkpoint, reference);

        // As if killed after step 5: the checkpoint of step 4 survives, metrics run to step 5.
        File.Delete(full.Checkpoint);
        string[] lines = File.ReadAllLines(run.MetricsPath);
        File.WriteAllLines(run.MetricsPath, lines.Take(5).Append("{\"step\":6,\"loss\":"));
        PretrainResult resumed = pretrainer.Run(config, images, run, resume: true);

        AssertSameTensors(reference, resumed.Checkpoint);
        Assert.Equal([1L, 2, 3, 4, 5, 6], MetricsLog.Read(run.MetricsPath).Select(m => m.Step));
    }

    [Fact]
    public void Resume_FinishedRun_ReturnsItsFinalStateWithoutTraining()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 1);
        var run = new RunDirectory(folder.File("run"));
        PretrainResult finished = new Pretrainer(CPU).Run(config, images, run, resume: false);
        byte[] checkpoint = File.ReadAllBytes(finished.Checkpoint);
        string metrics = File.ReadAllText(run.MetricsPath);

        PretrainResult resumed = new Pretrainer(CPU).Run(config, images, run, resume: true);

        Assert.Equal(finished.Steps, resumed.Steps);
        Assert.Equal(finished.Checkpoint, resumed.Checkpoint);
        Assert.Equal(finished.FinalLoss, resumed.FinalLoss, 6);
        Assert.Equal(checkpoint, File.ReadAllBytes(resumed.Checkpoint));
        Assert.Equal(metrics, File.ReadAllText(run.MetricsPath));
    }

    [Theory]
    [InlineData("simclr")]
    [InlineData("ae")]
    public void Run_ZeroEpochs_KeepsTheSeedsInitialWeightsAsStepZero(string method)
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 0, method: method);
        var run = new RunDirectory(folder.File("run"));

        PretrainResult result = new Pretrainer(CPU).Run(config, images, run, resume: false);

        Assert.Equal(0, result.Steps);
        Assert.Equal([(0L, run.CheckpointPath(0))], run.Checkpoints());
        Assert.Equal(run.CheckpointPath(0), result.Checkpoint);
        Assert.False(File.Exists(run.MetricsPath));
        random.manual_seed(config.Seed);
        using PretextObjective initial = PretextMethods.Create(config);
        using PretextObjective loaded = PretextMethods.Create(config);
        Checkpoint.LoadModel(SafeTensorsFile.Read(result.Checkpoint), loaded);
        Dictionary<string, Tensor> saved = loaded.state_dict();
        foreach ((string name, Tensor expected) in initial.state_dict())
        {
            Assert.True(expected.eq(saved[name]).all().item<bool>(), $"{name} is not the seed's initial value");
        }
        (Encoder encoder, long step, _) = TrainedEncoder.Load(run);
        using (encoder)
        {
            Assert.Equal(0, step);
        }
    }

    [Fact]
    public void Resume_ZeroEpochRun_ReturnsItsStepZeroWithoutRewritingIt()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 0);
        var run = new RunDirectory(folder.File("run"));
        PretrainResult first = new Pretrainer(CPU).Run(config, images, run, resume: false);
        DateTime written = File.GetLastWriteTimeUtc(first.Checkpoint);

        PretrainResult resumed = new Pretrainer(CPU).Run(config, images, run, resume: true);

        Assert.Equal((0L, first.Checkpoint), (resumed.Steps, resumed.Checkpoint));
        Assert.Equal(written, File.GetLastWriteTimeUtc(resumed.Checkpoint));
    }

    [Fact]
    public void Validate_NegativeEpochs_AreRefused()
    {
        PretrainConfig config = TinyRun.Config(TinyRun.Images(64)) with { Epochs = -1 };

        var error = Assert.Throws<InvalidSettingException>(config.Validate);
        Assert.Contains("-1", error.Message);
    }

    [Fact]
    public void Run_FewEpochs_LowersTheLoss()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(256);
        PretrainConfig config = TinyRun.Config(images, epochs: 6, batchSize: 64, checkpointEvery: 100);
        var run = new RunDirectory(folder.File("run"));

        new Pretrainer(CPU).Run(config, images, run, resume: false);

        IReadOnlyList<StepMetrics> metrics = MetricsLog.Read(run.MetricsPath);
        Assert.Equal(24, metrics.Count);
        double first = metrics.Take(4).Average(m => m.Loss);
        double last = metrics.TakeLast(4).Average(m => m.Loss);
        Assert.True(last < first - 0.1, $"loss went from {first:F3} to {last:F3}");
    }

    [Fact]
    public void Run_IntoExistingRunWithoutResume_IsRefused()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 1);
        var run = new RunDirectory(folder.File("run"));
        new Pretrainer(CPU).Run(config, images, run, resume: false);

        var error = Assert.Throws<RunConflictException>(() => new Pretrainer(CPU).Run(config, images, run, resume: false));
        Assert.Equal("out", error.Setting);
        Assert.Contains("add resume to continue it", error.Message);
        Assert.Contains("add --resume to continue it, or choose another --out.", error.Describe(setting => "--" + setting));
    }

    [Fact]
    public void Resume_WithOtherOptions_IsRefusedShowingBoth()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        var run = new RunDirectory(folder.File("run"));
        new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 1), images, run, resume: false);

        var error = Assert.Throws<RunConflictException>(() =>
            new Pretrainer(CPU).Run(TinyRun.Config(images, epochs: 3), images, run, resume: true));
        Assert.Contains("\"epochs\": 1", error.Message);
        Assert.Contains("\"epochs\": 3", error.Message);
        Assert.Equal("resume", error.Setting);
        Assert.Contains("or start a new run in another out.", error.Message);
    }

    [Fact]
    public void Resume_WithALowerLearningRate_RecordsTheChangeAtItsStep_AndTheScheduleGoesOnWithTheNewPeak()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(96);
        PretrainConfig config = TinyRun.Config(images, epochs: 2, batchSize: 32, checkpointEvery: 2);
        var run = new RunDirectory(folder.File("run"));
        var pretrainer = new Pretrainer(CPU);
        using (var cancellation = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() => pretrainer.Run(config, images, run, resume: false,
                progress => { if (progress.Metrics.Step == 3) { cancellation.Cancel(); } }, cancellation.Token));
        }
        double peak = config.Optimizer.LearningRate, lower = peak / 8;
        string before = File.ReadAllText(run.ConfigPath);

        var raised = Assert.Throws<RunConflictException>(() => pretrainer.Run(WithLearningRate(config, peak * 2), images, run, resume: true));
        Assert.Contains("never raise", raised.Message);
        Assert.Equal(before, File.ReadAllText(run.ConfigPath));

        PretrainResult resumed = pretrainer.Run(WithLearningRate(config, lower), images, run, resume: true);

        Assert.Equal(6, resumed.Steps);
        PretrainConfig saved = run.ReadConfig();
        Assert.Equal(peak, saved.Optimizer.LearningRate);
        Assert.Equal([new LearningRateChange(3, lower)], saved.Optimizer.LearningRateChanges);
        var schedule = new WarmupCosineSchedule(peak, config.Optimizer.WarmupSteps, 6);
        var lowered = new WarmupCosineSchedule(lower, config.Optimizer.WarmupSteps, 6);
        Assert.Equal(
            Enumerable.Range(0, 6).Select(step => step < 3 ? schedule.LearningRate(step) : lowered.LearningRate(step)),
            MetricsLog.Read(run.MetricsPath).Select(line => line.LearningRate));
        // Once lowered, the run's learning rate is the lower one: asking for the first again raises it.
        Assert.Throws<RunConflictException>(() => pretrainer.Run(config, images, run, resume: true));
        Assert.Equal(6, pretrainer.Run(WithLearningRate(config, lower), images, run, resume: true).Steps);
    }

    [Fact]
    public void Run_DivergingLearningRate_StopsWithAMessageNamingTheStep_AndDeletesTheCheckpointThatGaveIt()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = WithLearningRate(TinyRun.Config(images, epochs: 3, checkpointEvery: 1), 1e30);
        var run = new RunDirectory(folder.File("run"));

        var error = Assert.Throws<TrainingDivergedException>(() => new Pretrainer(CPU).Run(config, images, run, resume: false));

        // Step 1 starts from the seed's weights (a finite loss); its update with lr 1e30 ruins them, so step 2's loss is not finite.
        double learningRate = config.Optimizer.Schedule(6).LearningRate(1);
        Assert.Contains($"at step 2 (learning rate {learningRate:G4})", error.Message);
        Assert.Contains("continue from step 0", error.Message);
        // Checkpoint 1 held the weights that gave it: resumed, they would give it again at any learning rate.
        Assert.Empty(run.Checkpoints());
        Assert.Equal([1L], MetricsLog.Read(run.MetricsPath).Select(line => line.Step));
    }

    [Fact]
    public void Resume_DivergedRun_WithALowerLearningRate_ContinuesFromTheCheckpointItKept()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(128);
        // 20 steps; with a peak of 1e6 the weights grow for a few steps before the loss overflows.
        PretrainConfig config = WithLearningRate(TinyRun.Config(images, epochs: 5, batchSize: 32, checkpointEvery: 2), 1e6);
        var run = new RunDirectory(folder.File("run"));
        var pretrainer = new Pretrainer(CPU);

        var error = Assert.Throws<TrainingDivergedException>(() => pretrainer.Run(config, images, run, resume: false));

        long divergedAt = long.Parse(Regex.Match(error.Message, @"at step (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        long kept = Assert.Single(run.Checkpoints().TakeLast(1)).Step;
        Assert.Contains($"continue from its checkpoint of step {kept},", error.Message);
        // Every checkpoint before the weights that gave the non-finite loss is kept; theirs is not.
        Assert.InRange(kept, 2, divergedAt - 2);
        Assert.Equal(Enumerable.Range(1, (int)kept / 2).Select(i => 2L * i), run.Checkpoints().Select(checkpoint => checkpoint.Step));

        PretrainResult resumed = pretrainer.Run(WithLearningRate(config, 0.01), images, run, resume: true);

        Assert.Equal(20, resumed.Steps);
        Assert.Equal([new LearningRateChange(kept, 0.01)], run.ReadConfig().Optimizer.LearningRateChanges);
        Assert.Equal(Enumerable.Range(1, 20).Select(step => (long)step), MetricsLog.Read(run.MetricsPath).Select(line => line.Step));
    }

    [Fact]
    public void Resume_DivergedRunWithoutACheckpoint_WithALowerLearningRate_TrainsFromStepZeroAsANewRunWouldWithIt()
    {
        using var folder = new TempDirectory();
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 2, checkpointEvery: 1);
        var diverged = new RunDirectory(folder.File("diverged"));
        var pretrainer = new Pretrainer(CPU);
        Assert.Throws<TrainingDivergedException>(() => pretrainer.Run(WithLearningRate(config, 1e30), images, diverged, resume: false));

        PretrainResult resumed = pretrainer.Run(config, images, diverged, resume: true);
        PretrainResult fresh = pretrainer.Run(config, images, new RunDirectory(folder.File("fresh")), resume: false);

        Assert.Equal([new LearningRateChange(0, config.Optimizer.LearningRate)], diverged.ReadConfig().Optimizer.LearningRateChanges);
        Assert.Equal(1e30, diverged.ReadConfig().Optimizer.LearningRate);
        AssertSameTensors(fresh.Checkpoint, resumed.Checkpoint);
        Assert.Equal([1L, 2, 3, 4], MetricsLog.Read(diverged.MetricsPath).Select(line => line.Step));
    }

    [Fact]
    public void Resume_ARunWhoseRunJsonCallsAdamWAdam_ContinuesWithTheSameOptions()
    {
        using var folder = new TempDirectory();

        // As run.json was written before AdamW took the field's name.
        (PretrainConfig config, RunDirectory run, PretrainResult resumed) = ResumeFormerRun(folder, written =>
        {
            string former = written.Replace("\"kind\": \"adamw\"", "\"kind\": \"adam\"", StringComparison.Ordinal);
            Assert.Contains("\"kind\": \"adam\"", former);
            return former;
        });

        Assert.Equal(2, resumed.Steps);
        Assert.Equal(config.Optimizer, run.ReadConfig().Optimizer);
    }

    [Fact]
    public void Resume_ARunWhoseRunJsonHasTheFormerMethodSections_ContinuesWithTheSameOptions()
    {
        using var folder = new TempDirectory();

        // As run.json was written before the method was one object: its name, and its settings in the autoencoder section.
        (PretrainConfig config, RunDirectory run, PretrainResult resumed) = ResumeFormerRun(folder, written =>
        {
            JsonObject former = JsonNode.Parse(written)!.AsObject();
            JsonObject method = former["method"]!.AsObject();
            method.Remove("name");
            former["method"] = "ae";
            former["simClr"] = null;
            former["autoencoder"] = method;
            former["vae"] = null;
            former["distillation"] = null;
            former["fixMatch"] = null;
            former["denoising"] = null;
            return former.ToJsonString();
        });

        Assert.Equal(2, resumed.Steps);
        Assert.Equal(config.Method, run.ReadConfig().Method);
    }

    /// <summary>
    /// An ae run of one epoch, cancelled after its first step, whose run.json <paramref name="former"/> then rewrites as
    /// an older release wrote it, resumed with the same config.
    /// </summary>
    private static (PretrainConfig Config, RunDirectory Run, PretrainResult Resumed) ResumeFormerRun(TempDirectory folder, Func<string, string> former)
    {
        ImageSet images = TinyRun.Images(64);
        PretrainConfig config = TinyRun.Config(images, epochs: 1, checkpointEvery: 1, method: "ae");
        var run = new RunDirectory(folder.File("run"));
        var pretrainer = new Pretrainer(CPU);
        using (var cancellation = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() => pretrainer.Run(config, images, run, resume: false,
                progress => { if (progress.Metrics.Step == 1) { cancellation.Cancel(); } }, cancellation.Token));
        }
        File.WriteAllText(run.ConfigPath, former(File.ReadAllText(run.ConfigPath)));
        return (config, run, pretrainer.Run(config, images, run, resume: true));
    }

    [Fact]
    public void EpochOrder_IsAPermutationFixedBySeedAndEpoch()
    {
        int[] order = Pretrainer.EpochOrder(1000, 3, 5);

        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        Assert.Equal(order, Pretrainer.EpochOrder(1000, 3, 5));
        Assert.NotEqual(order, Pretrainer.EpochOrder(1000, 3, 6));
        Assert.NotEqual(order, Pretrainer.EpochOrder(1000, 4, 5));
    }

    private static PretrainConfig WithLearningRate(PretrainConfig config, double learningRate) =>
        config with { Optimizer = config.Optimizer with { LearningRate = learningRate } };

    private static string Terms(StepMetrics metrics) =>
        metrics.Terms is null ? "" : string.Join(",", metrics.Terms.Select(term => $"{term.Key}={term.Value:R}"));

    internal static void AssertSameTensors(string expectedPath, string actualPath)
    {
        SafeTensorsContent expected = SafeTensorsFile.Read(expectedPath);
        SafeTensorsContent actual = SafeTensorsFile.Read(actualPath);
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach ((string name, SafeTensor tensor) in expected.Tensors)
        {
            Assert.True(tensor.Data.AsSpan().SequenceEqual(actual.Tensors[name].Data), $"{name} differs");
        }
    }
}
