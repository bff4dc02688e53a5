using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Onnx;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Cli;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Tests.Evaluation;
using Pipeline.Training.Tests.Pretraining;

namespace Pipeline.Training.Tests.Cli;

[Collection(TorchCollection.Name)]
public sealed class CliTests
{
    private static readonly string[] Tiny =
        ["--limit", "128", "--batch-size", "32", "--embedding-dim", "32", "--projection-dim", "16", "--threads", "2", "--device", "cpu"];

    [Theory]
    [InlineData("pretrain --out x --encoder vgg", "convnet")]
    [InlineData("pretrain --out x --method byol", "simclr")]
    [InlineData("pretrain --out x --epochs -1", "--epochs must be 0 or a positive whole number")]
    [InlineData("pretrain --out x --batch-size -3", "--batch-size must be a positive whole number")]
    [InlineData("pretrain --out x --device tpu", "cuda")]
    [InlineData("pretrain --out x --optimizer rmsprop", "lars")]
    [InlineData("pretrain --out x --lr -1", "--lr must be a positive number")]
    [InlineData("pretrain --epochs 1", "--out")]
    [InlineData("pretrain --out x --blur-probability 1.5", "--blur-probability must be a number from 0 to 1, not '1.5'.")]
    [InlineData("pretrain --out x --min-crop-scale 0", "--min-crop-scale must be a number above 0 and at most 1, not '0'.")]
    [InlineData("pretrain --out x --data imagenet:train", "fashion-mnist:train")]
    [InlineData("pretrain --out x --data folder:/no/such/folder", "/no/such/folder")]
    [InlineData("pretrain --out x --method vae --beta -1", "--beta")]
    [InlineData("pretrain --out x --method vae --kl-warmup-steps -5", "--kl-warmup-steps")]
    [InlineData("pretrain --out x --method vae --latent-dim 0", "--latent-dim must be a positive whole number")]
    [InlineData("pretrain --out x --method vae --likelihood poisson", "gaussian")]
    [InlineData("pretrain --out x --method ae --beta 2", "--beta is an option of vae, not of --method ae")]
    [InlineData("pretrain --out x --method simclr --latent-dim 8", "--latent-dim is an option of vae, ae, dae")]
    [InlineData("pretrain --out x --method rotation --temperature 0.2", "--temperature is an option of simclr")]
    [InlineData("pretrain --out x --method dae --noise-std 0 --mask-prob 0", "with neither it is the plain autoencoder, method ae")]
    [InlineData("pretrain --out x --method dae --mask-prob 1", "--mask-prob")]
    [InlineData("pretrain --out x --precision fp16", "--precision must be fp32 or bf16, not 'fp16'.")]
    [InlineData("fixmatch --student x --labels 1% --out y --precision fp16", "--precision must be fp32 or bf16, not 'fp16'.")]
    [InlineData("distill --teacher x --student y --out z --teacher-input student", "--teacher-input must be view or image, not 'student'.")]
    [InlineData("evaluate --run /no/such/run", "not a run folder")]
    [InlineData("evaluate --run x --labels 150%", "1%")]
    [InlineData("evaluate --run x --protocol svm", "elbo")]
    [InlineData("evaluate --run x --protocol elbo --samples 0", "--samples must be a positive whole number")]
    [InlineData("evaluate --protocol knn", "--run is required")]
    [InlineData("evaluate --representation rgb", "pixels")]
    [InlineData("evaluate --representation pixels --run x", "leave --run out")]
    [InlineData("evaluate --representation pixels --checkpoint x.safetensors", "leave --checkpoint out")]
    [InlineData("evaluate --representation pixels --protocol elbo", "pixels have no ELBO")]
    [InlineData("evaluate --representation pixels --every-checkpoint", "leave --every-checkpoint out")]
    [InlineData("evaluate --run x --every-checkpoint --checkpoint x.safetensors", "give one of them")]
    [InlineData("evaluate --run x --every-checkpoint --protocol elbo", "--protocol elbo is not one")]
    [InlineData("evaluate --run x --protocol elbo --predictions p", "--protocol elbo predicts none")]
    public void WrongValue_ExitsWithAMessageSayingWhatIsAccepted(string commandLine, string expected)
    {
        (int exitCode, string output, string error) = CliProcess.Run(commandLine.Split(' '));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output + error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Pretrain_IntoAFolderThatHoldsARun_WithoutResume_IsAUsageErrorNamingBothWaysOut()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "run.json"), "{}");

        (int exitCode, _, string error) = CliProcess.Run(["pretrain", "--out", run, "--epochs", "1", .. Tiny]);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains($"--out {run} already holds a run: add --resume to continue it, or choose another --out.", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal(["run.json"], Directory.GetFileSystemEntries(run).Select(Path.GetFileName));
    }

    [Fact]
    public void Evaluate_ElboOfARunWithoutOne_IsAUsageErrorNamingTheProtocolsThatApply()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");
        Assert.Equal(0, CliProcess.Run(["pretrain", "--out", run, "--method", "ae", "--epochs", "1", "--limit", "64", "--batch-size", "32", "--threads", "2", "--device", "cpu"]).ExitCode);

        (int exitCode, _, string error) = CliProcess.Run("evaluate", "--run", run, "--protocol", "elbo", "--device", "cpu");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--protocol elbo is a VAE's bound", error);
        Assert.Contains("Score its embeddings with --protocol knn or linear.", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Pretrain_OnCudaWhereNoneRuns_IsAUsageErrorOnOneLine_AndWritesNothing()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int exitCode, _, string error) = CliProcess.Run("pretrain", "--device", "cuda", "--out", run, "--limit", "128", "--threads", "2");

        Assert.Equal(2, exitCode);
        Assert.Contains("no CUDA device is usable", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Help_ListsTheVerbs()
    {
        (int exitCode, string output, _) = CliProcess.Run("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("pretrain", output);
        Assert.Contains("evaluate", output);
        Assert.Contains("report", output);
    }

    [Fact]
    public void PretrainThenEvaluate_PrintsAccuracyAsJson()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int trained, _, string trainError) = CliProcess.Run(["pretrain", "--epochs", "1", "--out", run, .. Tiny]);
        Assert.True(trained == 0, trainError);
        (int evaluated, string output, string evaluateError) = CliProcess.Run(
            "evaluate", "--run", run, "--protocol", "knn", "--labels", "100", "--test-data", "fashion-mnist:test",
            "--train-data", "fashion-mnist:test", "--json", "--threads", "2");

        Assert.True(evaluated == 0, evaluateError);
        using JsonDocument result = JsonDocument.Parse(output.Trim());
        double accuracy = result.RootElement.GetProperty("accuracy").GetDouble();
        Assert.InRange(accuracy, 0.2, 1.0);
        Assert.Equal(100, result.RootElement.GetProperty("labelledImages").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, "eval", "knn-100.json")));
    }

    [Fact]
    public void PretrainZeroEpochsThenEvaluate_ScoresTheUntrainedEncoder()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int trained, string trainOutput, string trainError) = CliProcess.Run(["pretrain", "--epochs", "0", "--out", run, .. Tiny]);
        Assert.True(trained == 0, trainError);
        Assert.Contains("untrained: the seed's initial weights", trainOutput);
        Assert.True(File.Exists(Path.Combine(run, "encoder.onnx")));
        (int evaluated, string output, string evaluateError) = CliProcess.Run(
            "evaluate", "--run", run, "--protocol", "knn", "--labels", "100", "--train-data", "fashion-mnist:test", "--json",
            "--threads", "2");

        Assert.True(evaluated == 0, evaluateError);
        using JsonDocument result = JsonDocument.Parse(output.Trim());
        Assert.Equal(0, result.RootElement.GetProperty("step").GetInt64());
        Assert.EndsWith("step-00000000.safetensors", result.RootElement.GetProperty("checkpoint").GetString());
        Assert.InRange(result.RootElement.GetProperty("accuracy").GetDouble(), 0.2, 1.0);
    }

    [Fact]
    public void PretrainOptions_AreTheLibrarysSettings_ByTheSameNames()
    {
        Command pretrain = TrainCommand.Create().Subcommands.Single(verb => verb.Name == "pretrain");
        string[] options = [.. pretrain.Options.Select(option => option.Name.TrimStart('-')).Except(["out", "resume"])];
        string[] settings = [.. PretextMethods.SelfSupervisedNames
            .SelectMany(method => JsonSerializer.SerializeToNode(Activator.CreateInstance(PretextMethods.OptionsType(method)), RunJson.CamelCase)!.AsObject())
            .Select(setting => setting.Key).Distinct()];

        Assert.Equal(options.Order(), settings.Order());
    }

    [Fact]
    public void Pretrain_TheOptionsGiven_AreTheRunsConfig_AndThoseLeftOutTakeTheLibrarysDefaults()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int trained, _, string trainError) = CliProcess.Run(["pretrain", "--epochs", "0", "--out", run, .. Tiny, "--optimizer", "lars",
            "--temperature", "0.3", "--min-crop-scale", "0.3", "--color-jitter-strength", "1", "--grayscale-probability", "0", "--seed", "5"]);

        Assert.True(trained == 0, trainError);
        PretrainConfig config = new RunDirectory(run).ReadConfig();
        // LARS 0.3·B/256 at batch 32; one epoch of 4 steps between checkpoints; no warm-up in a run of 0 epochs.
        Assert.Equal(new OptimizerSettings(OptimizerKind.Lars, 0.3 * 32 / 256, 0.9, 1e-6, 0), config.Optimizer);
        Assert.Equal((128, 4, 5, 32), (config.Limit, config.CheckpointEvery, config.Seed, config.Encoder.EmbeddingDim));
        SimClrSettings simClr = Assert.IsType<SimClrSettings>(config.Method);
        Assert.Equal((0.3, 16), (simClr.Temperature, simClr.ProjectionDim));
        Assert.Equal(new SimClrAugmentationOptions().WithColorStrength(1) with { CropScale = (0.3, 1.0), GrayscaleProbability = 0 },
            simClr.Augmentation);
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("adam")]
    public void Pretrain_OptimizerAdamWOrItsFormerNameAdam_TrainsWithAdamW_AndRunJsonSaysAdamw(string name)
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int trained, _, string trainError) = CliProcess.Run(["pretrain", "--epochs", "0", "--out", run, .. Tiny, "--optimizer", name]);

        Assert.True(trained == 0, trainError);
        // AdamW 1e-3; no warm-up in a run of 0 epochs.
        Assert.Equal(new OptimizerSettings(OptimizerKind.AdamW, 1e-3, 0.9, 1e-6, 0), new RunDirectory(run).ReadConfig().Optimizer);
        Assert.Contains("\"kind\": \"adamw\"", File.ReadAllText(Path.Combine(run, "run.json")));
    }

    [Fact]
    public void EvaluatePixels_ScoresTheRawPixelBaselineWithoutARun()
    {
        (int evaluated, string output, string error) = CliProcess.Run(
            "evaluate", "--representation", "pixels", "--protocol", "knn", "--labels", "100", "--train-data", "fashion-mnist:test",
            "--test-data", "fashion-mnist:test", "--json", "--threads", "2");

        Assert.True(evaluated == 0, error);
        using JsonDocument result = JsonDocument.Parse(output.Trim());
        Assert.Equal("pixels", result.RootElement.GetProperty("method").GetString());
        Assert.Equal(JsonValueKind.Null, result.RootElement.GetProperty("checkpoint").ValueKind);
        Assert.Equal(100, result.RootElement.GetProperty("labelledImages").GetInt32());
        Assert.InRange(result.RootElement.GetProperty("accuracy").GetDouble(), 0.4, 1.0);
    }

    [Theory]
    [InlineData("--run")]
    [InlineData("--representation")]
    public void Evaluate_PredictionsWithEveryCheckpoint_IsAUsageErrorNamingBoth_AndWritesNothing(string subject)
    {
        using var folder = new TempDirectory();
        string predictions = folder.File("predictions");
        string[] chosen = subject == "--run" ? ["--run", folder.File("run")] : ["--representation", "pixels"];

        (int exitCode, _, string error) = CliProcess.Run([
            "evaluate", .. chosen, "--every-checkpoint", "--predictions", predictions, "--protocol", "knn", "--labels", "100", "--threads", "2"]);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--predictions writes the predictions of one checkpoint and --every-checkpoint scores all of them", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(predictions));
    }

    [Fact]
    public void EvaluatePixels_WithPredictions_WritesOneRowPerTestImage_WhoseAccuracyIsThePrinted()
    {
        using var folder = new TempDirectory();
        string predictions = Path.Combine(folder.Path, "pixels");

        (int evaluated, string output, string error) = CliProcess.Run(
            "evaluate", "--representation", "pixels", "--protocol", "knn", "--labels", "100", "--train-data", "fashion-mnist:test",
            "--test-data", "fashion-mnist:test", "--predictions", predictions, "--json", "--threads", "2");

        Assert.True(evaluated == 0, error);
        using JsonDocument result = JsonDocument.Parse(output.Trim());
        string path = Path.Combine(predictions, "knn-100.csv");
        Assert.Equal(result.RootElement.GetProperty("accuracy").GetDouble(), EvaluationPredictionsTests.Accuracy(path));
        Assert.Equal(10_000, EvaluationPredictionsTests.Read(path).Labels.Length);
    }

    [Fact]
    public void PretrainVaeThenEvaluateElbo_PrintsNatsWhereReconstructionPlusKlIsMinusElbo()
    {
        using var folder = new TempDirectory();
        string run = folder.File("run");

        (int trained, string trainOutput, string trainError) = CliProcess.Run(
            "pretrain", "--method", "vae", "--latent-dim", "8", "--beta", "1", "--kl-warmup-steps", "2", "--epochs", "1",
            "--out", run, "--limit", "128", "--batch-size", "32", "--embedding-dim", "32", "--threads", "2", "--device", "cpu");
        Assert.True(trained == 0, trainError);
        Assert.Contains("(vae) 1x28x28 → 8", trainOutput);
        Assert.Contains($"report {Path.GetFullPath(Path.Combine(run, "report", "README.md"))}: 7 figures", trainOutput);
        (int evaluated, string output, string evaluateError) = CliProcess.Run(
            "evaluate", "--run", run, "--protocol", "elbo", "--json", "--threads", "2");
        Assert.True(evaluated == 0, evaluateError);
        (int exported, _, string exportError) = CliProcess.Run("export", "--run", run, "--out", folder.File("encoder.onnx"));
        Assert.True(exported == 0, exportError);
        (int reported, _, string reportError) = CliProcess.Run("report", "--run", run, "--threads", "2");
        Assert.True(reported == 0, reportError);

        using JsonDocument result = JsonDocument.Parse(output.Trim());
        double elbo = result.RootElement.GetProperty("elbo").GetDouble();
        double reconstruction = result.RootElement.GetProperty("reconstruction").GetDouble();
        double kl = result.RootElement.GetProperty("kl").GetDouble();
        Assert.True(double.IsFinite(elbo) && double.IsFinite(reconstruction) && double.IsFinite(kl), output);
        Assert.Equal(-elbo, reconstruction + kl, 9);
        Assert.True(kl > 0, output);
        // Bernoulli pixels of Fashion-MNIST cost hundreds of nats per image.
        Assert.InRange(reconstruction, 100, 1000);
        Assert.Equal(10000, result.RootElement.GetProperty("testImages").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, "eval", "elbo-1sample.json")));
        var config = new RunDirectory(run).ReadConfig();
        VaeSettings vae = Assert.IsType<VaeSettings>(config.Method);
        Assert.Equal((8, 1.0, 2L), (vae.LatentDim, vae.Beta, vae.KlWarmupSteps));
        var metadata = EmbeddingModelMetadata.Read(folder.File("encoder.onnx"));
        Assert.Equal(elbo, metadata.Metrics["elbo-1sample"], 9);
        Assert.Contains($"**{elbo:F2} nats per image**", File.ReadAllText(Path.Combine(run, "report", "README.md")));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Pretrain_StoppedBySignalWhileTraining_CheckpointsTheLastFinishedStepExits130AndResumesFromIt(string signal)
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        // 80 steps, checkpoints only at the end: a checkpoint before that can only come from the signal.
        string[] options = ["--out", run.Path, .. Tiny, "--epochs", "20", "--checkpoint-every", "1000"];

        long stoppedAt;
        using (Process process = CliProcess.Start(["pretrain", .. options]))
        {
            Task<string> errorRead = process.StandardError.ReadToEndAsync();
            Task<string> outputRead = process.StandardOutput.ReadToEndAsync();
            Assert.True(CliProcess.WaitWhileRunning(process, () => FinishedLines(run.MetricsPath) >= 3), "pretrain ended before training 3 steps");
            CliProcess.Signal(process, signal);
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "pretrain did not stop after SIG" + signal);
            string error = await errorRead, output = await outputRead;

            Assert.True(process.ExitCode == ExitCodes.Cancelled, $"exit {process.ExitCode}: {error}");
            Assert.Contains("cancelled", error);
            Assert.DoesNotContain("   at ", error);
            Assert.DoesNotContain("pretrained:", output);
            stoppedAt = MetricsLog.Read(run.MetricsPath)[^1].Step;
            Assert.InRange(stoppedAt, 3, 79);
            Assert.Equal([stoppedAt], run.Checkpoints().Select(checkpoint => checkpoint.Step));
        }

        (int code, string resumed, string resumeError) = CliProcess.Run(["pretrain", "--resume", .. options]);

        Assert.True(code == 0, resumeError);
        Assert.Contains("pretrained: 80 steps", resumed);
        Assert.Equal(Enumerable.Range(1, 80).Select(step => (long)step), MetricsLog.Read(run.MetricsPath).Select(line => line.Step));
    }

    [Fact]
    public void Resume_AfterKill_ReachesSameWeights()
    {
        using var folder = new TempDirectory();
        string straight = folder.File("straight");
        var killed = new RunDirectory(folder.File("killed"));
        // 40 steps, a checkpoint every 2: killed at its first checkpoint, the run is far from done.
        string[] options = [.. Tiny, "--epochs", "10", "--checkpoint-every", "2"];

        (int code, _, string error) = CliProcess.Run(["pretrain", "--out", straight, .. options]);
        Assert.True(code == 0, error);

        using (Process process = CliProcess.Start(["pretrain", "--out", killed.Path, .. options]))
        {
            Assert.True(CliProcess.WaitWhileRunning(process, () => killed.Checkpoints().Count > 0), "pretrain ended before its first checkpoint");
            Assert.False(process.HasExited, "pretrain ended before it could be killed");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Equal(128 + 9, process.ExitCode); // ended by the SIGKILL, not on its own
        }
        // Killed while training: it had trained and checkpointed, and not finished.
        long checkpointed = killed.Checkpoints()[^1].Step, logged = FinishedLines(killed.MetricsPath);
        Assert.InRange(checkpointed, 2, 38);
        Assert.InRange(logged, checkpointed, 39);
        Assert.False(File.Exists(Path.Combine(killed.Path, "encoder.onnx")));
        (code, string output, error) = CliProcess.Run(["pretrain", "--out", killed.Path, "--resume", .. options]);
        Assert.True(code == 0, error);
        Assert.Contains("pretrained: 40 steps", output);

        // Bit for bit: every checkpoint file, and every step's figures but its wall-clock time (the steps trained again
        // after the kill replace the ones logged before it).
        var uninterrupted = new RunDirectory(straight);
        PretrainerTests.AssertSameTensors(uninterrupted.LatestCheckpoint(), killed.LatestCheckpoint());
        Assert.Equal(uninterrupted.Checkpoints().Select(checkpoint => FileDigest.Of(checkpoint.Path).Sha256),
            killed.Checkpoints().Select(checkpoint => FileDigest.Of(checkpoint.Path).Sha256));
        Assert.Equal(MetricsLog.Read(uninterrupted.MetricsPath).Select(step => (step.Step, step.Epoch, step.Loss, step.LearningRate)),
            MetricsLog.Read(killed.MetricsPath).Select(step => (step.Step, step.Epoch, step.Loss, step.LearningRate)));
    }

    [Fact]
    public void Pretrain_Diverged_Exits4_AndTheSameCommandWithResumeAndALowerLrFinishesTheRun()
    {
        using var folder = new TempDirectory();
        var run = new RunDirectory(folder.File("run"));
        // 20 steps, a checkpoint after each: with lr 1e30, step 1's update ruins the weights, and step 2's loss overflows.
        string[] options = ["pretrain", "--out", run.Path, .. Tiny, "--epochs", "5", "--checkpoint-every", "1"];

        (int code, string output, string error) = CliProcess.Run([.. options, "--lr", "1e30"]);

        Assert.True(code == ExitCodes.Diverged, $"exit {code}: {error}");
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("pretrained:", output);
        Assert.Contains("at step 2 (learning rate", error);
        Assert.Contains("The run can continue from step 0", error);
        Assert.Contains("Run the same command again with --resume and a lower --lr.", error);
        // The checkpoint of step 1 gave the non-finite loss: resumed, it would give it again, so it is gone.
        Assert.Empty(run.Checkpoints());

        string config = File.ReadAllText(run.ConfigPath);
        (code, _, error) = CliProcess.Run([.. options, "--lr", "2e30", "--resume"]);
        Assert.True(code == ExitCodes.Usage, $"exit {code}: {error}");
        Assert.Contains("never raise", error);
        Assert.Equal(config, File.ReadAllText(run.ConfigPath));

        (code, output, error) = CliProcess.Run([.. options, "--lr", "0.05", "--resume"]);

        Assert.True(code == 0, error);
        Assert.Contains("pretrained: 20 steps", output);
        Assert.True(File.Exists(Path.Combine(run.Path, "encoder.onnx")));
        PretrainConfig resumed = run.ReadConfig();
        Assert.Equal(1e30, resumed.Optimizer.LearningRate);
        Assert.Equal([new LearningRateChange(0, 0.05)], resumed.Optimizer.LearningRateChanges);
        Assert.Equal(Enumerable.Range(1, 20).Select(step => (long)step), MetricsLog.Read(run.MetricsPath).Select(line => line.Step));
    }

    // Lines a writer has finished: a line still being written has no newline yet.
    private static int FinishedLines(string path) => File.Exists(path) ? File.ReadAllText(path).Count(c => c == '\n') : 0;
}
