using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Cli;
using Pipeline.Training.Encoders;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// Times the SimCLR training step of the trainer — the same objective, augmentation and optimizer — on the first
/// images of Fashion-MNIST, the workload that bench/peers/simclr_step_torch.py runs in PyTorch; and measures the
/// augmentation's share of a step and the process's resident memory drift over many steps.
/// </summary>
public static class SimClrStepBenchmark
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Timed steps.", DefaultValueFactory = _ => 30 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 5 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "TorchSharp threads.", DefaultValueFactory = _ => 2 };
        var rssEvery = new Option<int>("--rss-every")
        {
            Description = "Sample the resident set size every this many steps (0: only at the end).",
            DefaultValueFactory = _ => 0,
        };
        Option<TrainingPrecision> precision = SharedOptions.Precision();
        var command = new Command("simclr-step", "SimCLR training steps per second, augmentation share, RSS drift; prints one JSON object.")
        {
            steps, warmup, batchSize, threads, rssEvery, precision,
        };
        command.SetAction(parse =>
        {
            Console.WriteLine(JsonSerializer.Serialize(Run(parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(batchSize),
                parse.GetValue(threads), parse.GetValue(rssEvery), parse.GetValue(precision))));
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object> Run(int steps, int warmup, int batchSize, int threads, int rssEvery, TrainingPrecision precision)
    {
        set_num_threads(threads);
        random.manual_seed(0);
        ImageSet images = FashionMnist.Load(FashionMnistSplit.Train).Take(4096);
        var spec = new EncoderSpec("convnet", 1, 28, 28, 128, [0.2860f], [0.3530f]);
        SimClrSettings simClr = SimClrSettings.Default;
        using var objective = new SimClrObjective(EncoderFactory.Create(spec), simClr.ProjectionDim, simClr.Temperature, simClr.Augmentation);
        using PretrainingOptimizer optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.12, 0.9, 5e-4, 0)
            .Create(OptimizedParameter.Collect(objective));
        using Tensor dataset = tensor(images.Pixels, ScalarType.Byte).reshape(images.Count, 1, 28, 28);
        objective.train();

        var clock = new Stopwatch();
        var rss = new List<(int Step, double MiB)>();
        for (int step = 0; step < warmup + steps; step++)
        {
            if (step == warmup)
            {
                clock.Start();
            }
            using (var scope = NewDisposeScope())
            {
                Tensor pixels = Batch(dataset, step, batchSize);
                using var generator = new Generator((ulong)step);
                Tensor loss;
                using (Autocast.Enter(precision))
                {
                    loss = objective.ComputeLoss(pixels, generator, step).Value;
                }
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step(0.12, step + 1);
                loss.item<float>();
            }
            if (step >= warmup && rssEvery > 0 && (step - warmup) % rssEvery == 0)
            {
                rss.Add((step - warmup, ResidentMiB()));
            }
        }
        clock.Stop();
        rss.Add((steps, ResidentMiB()));

        // The augmentation alone, on the same batches with the same draws: its share of a step.
        var augmentation = new SimClrAugmentation(simClr.Augmentation, 1, 28, 28);
        var augmenting = new Stopwatch();
        for (int step = warmup; step < warmup + steps; step++)
        {
            using var scope = NewDisposeScope();
            Tensor pixels = Batch(dataset, step, batchSize);
            using var generator = new Generator((ulong)step);
            augmenting.Start();
            augmentation.Apply(pixels, generator);
            augmentation.Apply(pixels, generator);
            augmenting.Stop();
        }

        var result = new Dictionary<string, object>
        {
            ["implementation"] = "torchsharp " + typeof(torch).Assembly.GetName().Version,
            ["steps"] = steps,
            ["batch_size"] = batchSize,
            ["threads"] = threads,
            ["precision"] = precision.ToString().ToLowerInvariant(),
            ["images_per_second"] = steps * (double)batchSize / clock.Elapsed.TotalSeconds,
            ["augmentation_share"] = augmenting.Elapsed / clock.Elapsed,
            ["rss_mib"] = rss.Select(sample => new[] { sample.Step, sample.MiB }).ToArray(),
        };
        if (rss.Count >= 3)
        {
            // Drift after warm-up: from the second sample (allocator pools filled) to the last.
            result["rss_drift"] = (rss[^1].MiB - rss[1].MiB) / rss[1].MiB;
        }
        return result;
    }

    // [B, 1, 28, 28] float32 in [0, 1]: the step's slice of the images, as the peer takes it.
    private static Tensor Batch(Tensor dataset, int step, int batchSize) =>
        dataset.narrow(0, (long)step * batchSize % (dataset.shape[0] - batchSize), batchSize).to(ScalarType.Float32).div_(255f);

    private static double ResidentMiB()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
            }
        }
        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
