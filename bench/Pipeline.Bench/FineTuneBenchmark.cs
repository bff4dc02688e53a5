using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Inference;
using Pipeline.Inference.Classification;
using Pipeline.Inference.FineTuning;
using Pipeline.Onnx;
using Pipeline.Onnx.FineTuning;
using Pipeline.Onnx.Optimizers;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Encoders;
using Pipeline.Training.Tests.FineTuning;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// Fine-tuning from the artifacts (issue 6): the time to fine-tune a linear head on 600 labels for 100 epochs once
/// features are cached, one artifact step against the same step in TorchSharp (same head, weights and batch), and test
/// accuracy at 1% and 10% of the labels against the same encoder architecture trained from scratch on those labels.
/// </summary>
public static class FineTuneBenchmark
{
    private const string DefaultModel = "runs/quickstart/encoder.onnx";

    public static Command SpeedCommand()
    {
        var model = new Option<string>("--model") { Description = "The encoder.onnx (convnet).", DefaultValueFactory = _ => DefaultModel };
        var seconds = new Option<double>("--seconds") { Description = "Timed seconds per step measurement.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Threads of both runtimes.", DefaultValueFactory = _ => 2 };
        var command = new Command("finetune-speed", "Fine-tune time (600 labels, 100 epochs) and artifact step vs TorchSharp step; one JSON object.")
        {
            model, seconds, threads,
        };
        command.SetAction(parse =>
        {
            Console.WriteLine(JsonSerializer.Serialize(Speed(parse.GetValue(model)!, parse.GetValue(seconds), parse.GetValue(threads))));
            return 0;
        });
        return command;
    }

    public static Command AccuracyCommand()
    {
        var model = new Option<string>("--model") { Description = "The encoder.onnx (convnet).", DefaultValueFactory = _ => DefaultModel };
        var labels = new Option<string>("--labels") { Description = "Label fraction.", DefaultValueFactory = _ => "1%" };
        var epochs = new Option<int>("--epochs") { Description = "Fine-tuning epochs.", DefaultValueFactory = _ => 100 };
        var scratchEpochs = new Option<int>("--scratch-epochs") { Description = "Epochs of the from-scratch baseline.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "Threads of both runtimes.", DefaultValueFactory = _ => 2 };
        var command = new Command("finetune-accuracy", "Test accuracy of fine-tuned heads and of the encoder trained from scratch on the same labels; one JSON object.")
        {
            model, labels, epochs, scratchEpochs, threads,
        };
        command.SetAction(parse =>
        {
            Console.WriteLine(JsonSerializer.Serialize(Accuracy(parse.GetValue(model)!, parse.GetValue(labels)!, parse.GetValue(epochs),
                parse.GetValue(scratchEpochs), parse.GetValue(threads))));
            return 0;
        });
        return command;
    }

    public static Command ScratchCommand()
    {
        var model = new Option<string>("--model") { Description = "An encoder.onnx whose architecture and input shape to train.", DefaultValueFactory = _ => DefaultModel };
        var labels = new Option<string>("--labels") { Description = "Label fraction.", DefaultValueFactory = _ => "1%" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seeds the labels drawn (as finetune draws them), the weights, the order and the augmentation.", DefaultValueFactory = _ => 0 };
        var minCropScale = new Option<double>("--min-crop-scale")
        {
            Description = "Random resized crop of at least this share of the area, and random flips, at every step; 1: no augmentation.",
            DefaultValueFactory = _ => 1,
        };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing ε of the cross-entropy, as finetune's.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "TorchSharp threads.", DefaultValueFactory = _ => 2 };
        var command = new Command("scratch-accuracy", "Test accuracy of the encoder's architecture trained from scratch (TorchSharp, batch norm training) on the labels; one JSON object.")
        {
            model, labels, epochs, seed, minCropScale, smoothing, threads,
        };
        command.SetAction(parse =>
        {
            set_num_threads(parse.GetValue(threads));
            ImageSet train = FashionMnist.Load(FashionMnistSplit.Train);
            ImageSet test = FashionMnist.Load(FashionMnistSplit.Test);
            int seedValue = parse.GetValue(seed);
            ImageSet labelled = train.Select(LabelFraction.Parse(parse.GetValue(labels)!).Select(train.Labels!, 10, seedValue));
            double crop = parse.GetValue(minCropScale);
            SimClrAugmentationOptions? augmentation = crop < 1
                ? SimClrAugmentationOptions.None with { CropScale = (crop, 1.0), CropAspectRatio = (3.0 / 4, 4.0 / 3), HorizontalFlipProbability = 0.5 }
                : null;
            EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(parse.GetValue(model)!);
            double labelSmoothing = parse.GetValue(smoothing);
            (double accuracy, double seconds) = FromScratch(metadata, labelled, test, parse.GetValue(epochs), seedValue, augmentation, labelSmoothing);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["method"] = $"{metadata.Encoder} (D = {metadata.EmbeddingDim}) + linear head trained from scratch (TorchSharp)"
                    + (augmentation is null ? "" : $", crops ≥ {crop} and flips") + (labelSmoothing > 0 ? $", label smoothing {labelSmoothing}" : ""),
                ["labels"] = parse.GetValue(labels)!,
                ["label_count"] = labelled.Count,
                ["seed"] = seedValue,
                ["accuracy"] = accuracy,
                ["epochs"] = parse.GetValue(epochs),
                ["seconds"] = seconds,
            }));
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object> Speed(string model, double seconds, int threads)
    {
        set_num_threads(threads);
        ImageSet train = FashionMnist.Load(FashionMnistSplit.Train);
        ImageSet labelled = train.Select(LabelFraction.Parse("1%").Select(train.Labels!, 10, seed: 0));
        using var folder = new WorkFolder();

        // 1. 600 labels, linear head, 100 epochs, every label trained on (no validation split), features cached first.
        var linear = Generate(model, labelled, UnfreezeSpec.None, folder.Path("linear"), threads);
        FineTuneResult fit;
        using (FineTuner tuner = FineTuner.Open(linear.Folder, threads: threads))
        {
            fit = tuner.Fit(labelled, new FineTuneOptions { Epochs = 100, ValidationFraction = 0 });
        }

        // 2. One step, artifacts against TorchSharp, same weights and batch of 64, for a linear head and for the last conv block too.
        var steps = new List<Dictionary<string, object>>
        {
            StepRatio("linear head (unfreeze none)", linear, labelled, seconds, threads),
            StepRatio("linear head + last conv block", Generate(model, labelled, UnfreezeSpec.LastConvBlock, folder.Path("block"), threads),
                labelled, seconds, threads),
        };
        return new Dictionary<string, object>
        {
            ["model"] = model,
            ["threads"] = threads,
            ["labels"] = labelled.Count,
            ["epochs"] = fit.Epochs,
            ["steps"] = fit.Steps,
            ["feature_caching_seconds"] = fit.FeatureCaching.TotalSeconds,
            ["fine_tune_seconds"] = fit.Training.TotalSeconds,
            ["step_comparison"] = steps,
            ["onnxruntime"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "",
            ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "",
        };
    }

    // Steps per second of the artifacts' training graph (FineTuner.TrainStep) and of TorchSharp's forward, backward
    // and torch.optim.AdamW on the same region, weights and batch, in alternating rounds.
    private static Dictionary<string, object> StepRatio(string name, (string Folder, EmbeddingStandardization Standardization) artifacts,
        ImageSet labelled, double seconds, int threads)
    {
        const int batchSize = 64;
        using FineTuner tuner = FineTuner.Open(artifacts.Folder, threads: threads);
        ImageSet batchImages = labelled.Take(batchSize);
        float[] features = tuner.ExtractFeatures(batchImages);
        long[] labels = batchImages.Labels!.Select(label => (long)label).ToArray();
        var region = new TorchRegion(tuner.Manifest, tuner.Parameters(), artifacts.Standardization);
        using Tensor batch = tensor(features).reshape([batchSize, .. tuner.Manifest.InputShape]);
        using Tensor targets = tensor(labels);
        optim.Optimizer[] optimizers = region.Optimizers(tuner.Manifest.Optimizer, 3e-3);
        void TorchStep()
        {
            using var scope = NewDisposeScope();
            foreach (optim.Optimizer optimizer in optimizers)
            {
                optimizer.zero_grad();
            }
            nn.functional.cross_entropy(region.Forward("convnet", batch), targets).backward();
            foreach (optim.Optimizer optimizer in optimizers)
            {
                optimizer.step();
            }
        }
        void ArtifactStep() => tuner.TrainStep(features, labels, 3e-3f);

        double torchRate = 0, artifactRate = 0;
        for (int round = 0; round < 3; round++)
        {
            artifactRate = Math.Max(artifactRate, Throughput.Measure(seconds / 3, 1, ArtifactStep).ItemsPerSecond);
            torchRate = Math.Max(torchRate, Throughput.Measure(seconds / 3, 1, TorchStep).ItemsPerSecond);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            ArtifactStep();
        }
        return new Dictionary<string, object>
        {
            ["region"] = name,
            ["batch_size"] = batchSize,
            ["input_shape"] = tuner.Manifest.InputShape,
            ["artifact_steps_per_second"] = artifactRate,
            ["torchsharp_steps_per_second"] = torchRate,
            ["ratio"] = artifactRate / torchRate,
            ["artifact_managed_bytes_per_step"] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 100,
        };
    }

    private static Dictionary<string, object> Accuracy(string model, string labels, int epochs, int scratchEpochs, int threads)
    {
        set_num_threads(threads);
        ImageSet train = FashionMnist.Load(FashionMnistSplit.Train);
        ImageSet test = FashionMnist.Load(FashionMnistSplit.Test);
        ImageSet labelled = train.Select(LabelFraction.Parse(labels).Select(train.Labels!, 10, seed: 0));
        using var folder = new WorkFolder();
        var rows = new List<Dictionary<string, object>>();
        foreach (UnfreezeSpec unfreeze in new[] { UnfreezeSpec.None, UnfreezeSpec.LastConvBlock })
        {
            using FineTuner tuner = FineTuner.Open(Generate(model, labelled, unfreeze, folder.Path(unfreeze.ToString()), threads).Folder, threads: threads);
            FineTuneResult result = tuner.Fit(labelled, new FineTuneOptions { Epochs = epochs, ValidationFraction = 0 });
            string inferenceModel = Path.Combine(folder.Path(unfreeze.ToString()), "inference_model.onnx");
            tuner.ExportInferenceModel(inferenceModel, "{}");
            using var classifier = ImageClassifier.Load(inferenceModel, new EmbeddingModelOptions { IntraOpThreads = threads });
            rows.Add(new Dictionary<string, object>
            {
                ["method"] = $"fine-tuned linear head, unfreeze {unfreeze}",
                ["accuracy"] = ClassificationReport.From(test.Labels!, classifier.Predict(test), test.ClassNames).Accuracy,
                ["epochs"] = result.Epochs,
                ["seconds"] = (result.FeatureCaching + result.Training).TotalSeconds,
            });
        }
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(model);
        (double scratch, double scratchSeconds) = FromScratch(metadata, labelled, test, scratchEpochs, seed: 0, augmentation: null, labelSmoothing: 0);
        rows.Add(new Dictionary<string, object>
        {
            ["method"] = $"{metadata.Encoder} (D = {metadata.EmbeddingDim}) + linear head trained from scratch (TorchSharp)",
            ["accuracy"] = scratch,
            ["epochs"] = scratchEpochs,
            ["seconds"] = scratchSeconds,
        });
        return new Dictionary<string, object> { ["model"] = model, ["labels"] = labels, ["label_count"] = labelled.Count, ["rows"] = rows };
    }

    // The same architecture trained supervised from random weights on the labelled images only: AdamW 1e-3 with cosine
    // decay, batch 64, batch norm in training mode, each batch augmented per image when asked; scored in eval mode.
    private static (double Accuracy, double Seconds) FromScratch(EmbeddingModelMetadata metadata, ImageSet labelled, ImageSet test, int epochs,
        int seed, SimClrAugmentationOptions? augmentation, double labelSmoothing)
    {
        random.manual_seed(seed);
        ChannelStatistics statistics = ChannelStatistics.Measure(labelled);
        var spec = new EncoderSpec(metadata.Encoder, metadata.Channels, metadata.Height, metadata.Width, metadata.EmbeddingDim, statistics.Mean, statistics.Std);
        using Encoder encoder = EncoderFactory.Create(spec);
        using var head = nn.Linear(metadata.EmbeddingDim, 10);
        var parameters = encoder.parameters().Concat(head.parameters()).ToArray();
        SimClrAugmentation? views = augmentation is null ? null : new SimClrAugmentation(augmentation, metadata.Channels, metadata.Height, metadata.Width);
        using var optimizer = optim.AdamW(parameters, 1e-3, weight_decay: 1e-4);
        const int batchSize = 64;
        int stepsPerEpoch = (labelled.Count + batchSize - 1) / batchSize;
        var schedule = new WarmupCosineSchedule(1e-3, 0, (long)stepsPerEpoch * epochs);
        using Tensor pixels = PixelTensors.FromImages(labelled, 0, labelled.Count, CPU);
        using Tensor targets = tensor(labelled.Labels!.Select(label => (long)label).ToArray());
        var clock = Stopwatch.StartNew();
        long step = 0;
        encoder.train();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using Tensor order = randperm(labelled.Count);
            for (int start = 0; start < labelled.Count; start += batchSize, step++)
            {
                using var scope = NewDisposeScope();
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = schedule.LearningRate(step);
                }
                optimizer.zero_grad();
                Tensor indices = order.narrow(0, start, Math.Min(batchSize, labelled.Count - start));
                Tensor batch = pixels.index_select(0, indices);
                if (views is not null)
                {
                    using var generator = new Generator((ulong)(seed * 1_000_003L + step));
                    batch = views.Apply(batch, generator);
                }
                Tensor logits = head.forward(encoder.forward(batch));
                nn.functional.cross_entropy(logits, targets.index_select(0, indices), label_smoothing: labelSmoothing).backward();
                optimizer.step();
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        encoder.eval();
        int correct = 0;
        using (no_grad())
        {
            for (int start = 0; start < test.Count; start += 500)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(500, test.Count - start);
                long[] predicted = head.forward(encoder.forward(PixelTensors.FromImages(test, start, count, CPU))).argmax(1).data<long>().ToArray();
                correct += predicted.Where((p, i) => p == test.Labels![start + i]).Count();
            }
        }
        return ((double)correct / test.Count, seconds);
    }

    // The artifacts pipeline-infer finetune generates: linear head standardising the embedding with the labelled images' statistics, AdamW.
    private static (string Folder, EmbeddingStandardization Standardization) Generate(string model, ImageSet labelled, UnfreezeSpec unfreeze,
        string folder, int threads)
    {
        using EmbeddingModel embedder = EmbeddingModel.Load(model, new EmbeddingModelOptions { IntraOpThreads = threads });
        var options = new FineTuneArtifactOptions
        {
            ClassNames = labelled.ClassNames,
            Unfreeze = unfreeze,
            Optimizer = new AdamWStep(WeightDecay: 1e-4),
            Standardization = EmbeddingStandardization.Measure(embedder.EmbedBytes(labelled.Pixels, 256), embedder.EmbeddingDim),
        };
        new FineTuneArtifactGenerator().Generate(model, options, folder);
        return (folder, options.Standardization);
    }

    /// <summary>A temporary folder for the generated artifacts, deleted afterwards.</summary>
    private sealed class WorkFolder : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("pipeline-bench-finetune-").FullName;

        public string Path(string name) => System.IO.Path.Combine(_root, name);

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
