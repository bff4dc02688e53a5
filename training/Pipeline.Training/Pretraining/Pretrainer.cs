using System.Diagnostics;
using Pipeline.Data;
using Pipeline.Data.SafeTensors;
using Pipeline.Onnx.Optimizers;
using Pipeline.Runs;
using Pipeline.Training.Checkpoints;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// The one training loop every self-supervised method shares: shuffled mini-batches, the method's loss, the optimizer
/// on a warm-up + cosine schedule, metrics, checkpoints, and exact resume.
/// </summary>
/// <remarks>
/// Exact resume holds because nothing random is carried between steps: the weights come from the seed, each epoch's
/// order from (seed, epoch) and each step's augmentation generator from (seed, step). A checkpoint therefore needs
/// only the weights, the optimizer state and the step; on the CPU a resumed run ends with the same weights as an
/// uninterrupted one, bit for bit.
/// </remarks>
public sealed class Pretrainer
{
    private readonly Device _device;

    public Pretrainer(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
    }

    /// <summary>
    /// Trains from scratch, or with <paramref name="resume"/> from the run's newest checkpoint (step 0 without one), to
    /// the end of the config's epochs. On cancellation it writes a checkpoint of the last finished step before throwing,
    /// so Ctrl+C loses nothing. With 0 epochs it trains nothing and writes checkpoint step 0: the weights the seed draws,
    /// the randomly initialised encoder every method starts from.
    /// </summary>
    /// <remarks>
    /// A resumed run must ask for the run's settings, except that its learning rate may be lower than the peak in force
    /// at the step it resumes from: the change is recorded in <c>run.json</c> (<see cref="OptimizerSettings.LearningRateChanges"/>)
    /// and the schedule goes on with the new peak from that step. When the loss stops being finite, the checkpoint of
    /// the weights that gave it is deleted (resumed, they would give it again at any learning rate), so the run resumes
    /// from an earlier checkpoint, or from step 0.
    /// </remarks>
    /// <exception cref="RunConflictException">The folder holds a run and <paramref name="resume"/> is false, or it holds a
    /// run with other settings or a lower learning rate than the one asked for; nothing was written.</exception>
    /// <exception cref="TrainingDivergedException">The loss stopped being finite.</exception>
    public PretrainResult Run(PretrainConfig config, ImageSet images, RunDirectory run, bool resume,
        Action<PretrainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(run);
        config.Validate();
        CheckImagesFit(config, images);

        (config, long startStep) = PrepareRunDirectory(config, run, resume);
        long stepsPerEpoch = config.StepsPerEpoch(images.Count);
        long totalSteps = config.Epochs * stepsPerEpoch;
        if (startStep == totalSteps && (totalSteps > 0 || File.Exists(run.CheckpointPath(0))))
        {
            // Resuming a run that already finished: nothing to train, and its last loss is in its metrics.
            double finalLoss = File.Exists(run.MetricsPath) && MetricsLog.Read(run.MetricsPath) is { Count: > 0 } done
                ? done[^1].Loss
                : double.NaN;
            return new PretrainResult(run.CheckpointPath(startStep), startStep, finalLoss, 0, 0);
        }

        random.manual_seed(config.Seed);
        using PretextObjective objective = PretextMethods.Create(config, images);
        objective.to(_device);
        IReadOnlyList<OptimizedParameter> parameters = OptimizedParameter.Collect(objective);
        using PretrainingOptimizer optimizer = config.Optimizer.Create(parameters);
        if (totalSteps == 0)
        {
            Checkpoint.Save(run.CheckpointPath(0), 0, objective, optimizer.State);
            return new PretrainResult(run.CheckpointPath(0), 0, double.NaN, 0, 0);
        }
        WarmupCosineSchedule schedule = config.Optimizer.Schedule(totalSteps);

        if (startStep > 0)
        {
            SafeTensorsContent saved = SafeTensorsFile.Read(run.CheckpointPath(startStep));
            Checkpoint.LoadModel(saved, objective);
            Dictionary<string, Tensor> optimizerState = Checkpoint.ReadOptimizerState(saved);
            try
            {
                optimizer.LoadState(optimizerState);
            }
            finally
            {
                foreach (Tensor tensor in optimizerState.Values)
                {
                    tensor.Dispose();
                }
            }
        }

        using Tensor dataset = tensor(images.Pixels, ScalarType.Byte)
            .reshape(images.Count, images.Channels, images.Height, images.Width).to(_device);
        using JsonLinesLog<StepMetrics> metrics = MetricsLog.Open(run.MetricsPath, startStep);
        objective.train();

        var clock = Stopwatch.StartNew();
        var speed = new SpeedMeter();
        int[] order = [];
        long orderEpoch = -1;
        double lastLoss = double.NaN;
        long imagesSeen = 0;
        long step = startStep;
        while (step < totalSteps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint(run, step, objective, optimizer, startStep);
                cancellationToken.ThrowIfCancellationRequested();
            }

            long epoch = step / stepsPerEpoch;
            if (epoch != orderEpoch)
            {
                order = EpochOrder(images.Count, config.Seed, epoch);
                orderEpoch = epoch;
            }
            int first = (int)(step % stepsPerEpoch) * config.BatchSize;
            int count = Math.Min(config.BatchSize, images.Count - first);
            double learningRate = schedule.LearningRate(step);
            Dictionary<string, double>? terms;

            using (var scope = NewDisposeScope())
            {
                Tensor indices = tensor(order.AsSpan(first, count).ToArray(), ScalarType.Int64).to(_device);
                // [n, C, H, W] uint8 → float32 in [0, 1], on the training device.
                Tensor pixels = dataset.index_select(0, indices).to(ScalarType.Float32).div_(255f);
                using var generator = new Generator(StepSeed(config.Seed, step));
                PretextLoss loss;
                using (Autocast.Enter(config.Precision))
                {
                    loss = objective.ComputeLoss(pixels, generator, step);
                }
                optimizer.ZeroGrad();
                loss.Value.backward();
                optimizer.Step(learningRate, step + 1);
                lastLoss = loss.Value.item<float>();
                terms = loss.Terms.Count == 0 ? null : loss.Terms.ToDictionary(term => term.Key, term => (double)term.Value.item<float>());
            }
            if (!double.IsFinite(lastLoss))
            {
                throw Diverged(run, step, lastLoss, learningRate);
            }

            step++;
            imagesSeen += count;
            speed.Record(count, clock.Elapsed.TotalSeconds);
            var stepMetrics = new StepMetrics(step, (int)epoch + 1, lastLoss, learningRate, speed.ImagesPerSecond, clock.Elapsed.TotalSeconds, terms);
            metrics.Write(stepMetrics);
            if (step % config.CheckpointEvery == 0 || step == totalSteps)
            {
                SaveCheckpoint(run, step, objective, optimizer, startStep);
            }
            progress?.Invoke(new PretrainProgress(stepMetrics, totalSteps, speed.Remaining((totalSteps - step) * config.BatchSize)));
        }

        double wall = clock.Elapsed.TotalSeconds;
        return new PretrainResult(run.CheckpointPath(step), step, lastLoss, wall, wall > 0 ? imagesSeen / wall : 0);
    }

    /// <summary>The image order of one epoch: a Fisher–Yates shuffle seeded by (seed, epoch).</summary>
    public static int[] EpochOrder(int count, int seed, long epoch)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        var random = new Random(unchecked((int)SplitMix64((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch)));
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The seed of the augmentation generator of one step, a hash of (seed, step).</summary>
    public static ulong StepSeed(int seed, long step) =>
        SplitMix64(SplitMix64((ulong)(uint)seed) ^ (ulong)step) >> 1;

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static void CheckImagesFit(PretrainConfig config, ImageSet images)
    {
        config.Encoder.RequireFits(images);
        if (images.Count < 2)
        {
            throw new DataFormatException(images.Source, $"holds {images.Count} image(s); pretraining needs at least 2.");
        }
    }

    /// <summary>
    /// Writes run.json, or checks it against the request and records a lowered learning rate; returns the config the run
    /// trains with and the step to start from.
    /// </summary>
    private static (PretrainConfig Config, long StartStep) PrepareRunDirectory(PretrainConfig config, RunDirectory run, bool resume)
    {
        if (!resume)
        {
            if (run.HasConfig || run.Checkpoints().Count > 0)
            {
                throw new RunConflictException("out", name =>
                    $"{run.Path} already holds a run: add {name("resume")} to continue it, or choose another {name("out")}.");
            }
            Directory.CreateDirectory(run.Path);
            run.WriteConfig(config);
            return (config, 0);
        }
        if (!run.HasConfig)
        {
            Directory.CreateDirectory(run.Path);
            run.WriteConfig(config);
            return (config, 0);
        }
        PretrainConfig saved = run.ReadConfig();
        // Every setting but the learning rate must be the run's.
        PretrainConfig comparable = config with
        {
            Optimizer = config.Optimizer with { LearningRate = saved.Optimizer.LearningRate, LearningRateChanges = saved.Optimizer.LearningRateChanges },
        };
        SettingsDifference difference = SettingsDifference.Between(saved, comparable, RunJson.CamelCase);
        if (!difference.IsEmpty)
        {
            throw new RunConflictException("resume", name =>
                $"is refused: the options differ from the run's {run.ConfigPath}. Resume with the same options (a lower learning rate is the one change allowed), or start a new run in another {name("out")}.\n{difference.Describe(indented: true)}");
        }
        long startStep = run.Checkpoints() is { Count: > 0 } checkpoints ? checkpoints[^1].Step : 0;
        double peak = saved.Optimizer.PeakLearningRateAt(startStep);
        double asked = config.Optimizer.LearningRate;
        if (asked > peak)
        {
            throw new RunConflictException(
                $"A resumed run may lower its learning rate, never raise it: {run.ConfigPath} trains with a peak learning rate of {peak:R} at step {startStep}, where it resumes, and {asked:R} was asked for. Resume with {peak:R} or less.");
        }
        if (asked < peak)
        {
            // Changes recorded after the resume step shaped only steps that are trained again now.
            saved = saved with
            {
                Optimizer = saved.Optimizer with
                {
                    LearningRateChanges = [.. saved.Optimizer.LearningRateChanges.Where(change => change.Step < startStep), new LearningRateChange(startStep, asked)],
                },
            };
            run.WriteConfig(saved);
        }
        return (saved, startStep);
    }

    /// <summary>
    /// The error of a loss that stopped being finite at the zero-based <paramref name="step"/>. The checkpoint of the
    /// weights that gave it (the <paramref name="step"/> steps done) is deleted first: resumed, it would give the same
    /// loss at any learning rate, since a step's loss comes before its update.
    /// </summary>
    private static TrainingDivergedException Diverged(RunDirectory run, long step, double loss, double learningRate)
    {
        if (File.Exists(run.CheckpointPath(step)))
        {
            File.Delete(run.CheckpointPath(step));
        }
        string resumable = run.Checkpoints() is { Count: > 0 } kept
            ? $"its checkpoint of step {kept[^1].Step}"
            : "step 0 (no checkpoint before the divergence was kept)";
        return new TrainingDivergedException(
            $"The loss became {loss} at step {step + 1} (learning rate {learningRate:G4}). The run can continue from {resumable}, with a lower learning rate.");
    }

    private static void SaveCheckpoint(RunDirectory run, long step, PretextObjective objective, PretrainingOptimizer optimizer, long startStep)
    {
        if (step == 0 || (step == startStep && File.Exists(run.CheckpointPath(step))))
        {
            return;
        }
        Checkpoint.Save(run.CheckpointPath(step), step, objective, optimizer.State);
    }
}
