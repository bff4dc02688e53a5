using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Devices;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Losses;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Reports;

namespace Pipeline.Training.Cli;

/// <summary>The <c>pretrain</c> verb: self-supervised pretraining of an encoder into a run folder.</summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var method = new Option<string>("--method")
        {
            Description = "Self-supervised method: simclr (contrastive), vae (variational autoencoder; embedding μ), ae (autoencoder), dae (denoising autoencoder) or rotation (rotation prediction).",
            DefaultValueFactory = _ => "simclr",
        }.AcceptOnlyFromAmong([.. PretextMethods.SelfSupervisedNames]);
        var data = OptionRules.ParsedBy(new Option<string>("--data")
        {
            Description = "Training images: fashion-mnist:train, fashion-mnist:test or folder:/path (PNG/JPEG, labels ignored).",
            DefaultValueFactory = _ => "fashion-mnist:train",
        }, DatasetUri.Parse);
        var encoder = new Option<string>("--encoder")
        {
            Description = "Encoder architecture: convnet (four convolutions, the CPU default), convnet6 (six, twice as wide) or resnet18 (small-image stem).",
            DefaultValueFactory = _ => "convnet",
        }.AcceptOnlyFromAmong([.. EncoderFactory.Names]);
        var embeddingDim = OptionRules.Positive(new Option<int?>("--embedding-dim")
        {
            Description = "Width of the encoder's features h, the embedding of simclr and rotation; vae, ae and dae map h to --latent-dim (default: convnet 128, convnet6 256, resnet18 512).",
        });
        var channels = OptionRules.Positive(new Option<int?>("--channels")
        {
            Description = "Input channels, 1 or 3 (default: the data's own; folders: 3).",
        });
        var imageSize = OptionRules.Positive(new Option<int?>("--image-size")
        {
            Description = "Input height and width in pixels (default: the data's own; folders: 32).",
        });
        var epochs = OptionRules.NonNegative(new Option<int>("--epochs")
        {
            Description = "Passes over the training images; 0 trains nothing and keeps the seed's initial weights as checkpoint step 0, the randomly initialised baseline.",
            DefaultValueFactory = _ => 20,
        });
        var batchSize = OptionRules.Positive(new Option<int>("--batch-size")
        {
            Description = "Images per step.",
            DefaultValueFactory = _ => 256,
        });
        var seed = SharedOptions.Seed();
        var output = new Option<string>("--out")
        {
            Description = "Run folder: run.json, metrics.jsonl, checkpoints/, eval/, and encoder.onnx and report/ written at the end.",
            Required = true,
        };
        var limit = OptionRules.Positive(new Option<int>("--limit")
        {
            Description = "Use only the first N images (quick runs).",
        });
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run in --out from its newest checkpoint, with the same options; --lr may be lowered (after a divergence, say), from that checkpoint on.",
        };
        var device = SharedOptions.Device();
        var threads = SharedOptions.Threads();
        var optimizer = new Option<string?>("--optimizer")
        {
            Description = "sgd (momentum), adam (decoupled weight decay) or lars (SimCLR's) (default: sgd for simclr and rotation, adam for vae, ae and dae).",
        }.AcceptOnlyFromAmong("sgd", "adam", "lars");
        var learningRate = OptionRules.Positive(new Option<double?>("--lr")
        {
            Description = "Peak learning rate (default: sgd 0.06·B/128, lars 0.3·B/256, adam 1e-3).",
        });
        var momentum = OptionRules.BelowOne(new Option<double>("--momentum")
        {
            Description = "Momentum of sgd and lars, β1 of adam.",
            DefaultValueFactory = _ => 0.9,
        });
        var weightDecay = OptionRules.NonNegative(new Option<double?>("--weight-decay")
        {
            Description = "Weight decay on weights, never on biases or batch norm (default: sgd 5e-4, lars and adam 1e-6).",
        });
        var warmupEpochs = OptionRules.NonNegative(new Option<double?>("--warmup-epochs")
        {
            Description = "Linear warm-up before the cosine decay, in epochs (default: a tenth of the run, at most 10).",
        });
        var temperature = OptionRules.Positive(new Option<double?>("--temperature")
        {
            Description = "SimCLR: NT-Xent temperature τ (default 0.5).",
        });
        var projectionDim = OptionRules.Positive(new Option<int?>("--projection-dim")
        {
            Description = "SimCLR: width of the projection z (default 128).",
        });
        var minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
        {
            Description = "SimCLR: smallest random-resized-crop area, as a fraction of the image (paper: 0.08).",
            DefaultValueFactory = _ => 0.08,
        });
        var flipProbability = OptionRules.Probability(new Option<double>("--flip-probability")
        {
            Description = "SimCLR: probability of a horizontal flip (paper: 0.5).",
            DefaultValueFactory = _ => 0.5,
        });
        var jitterProbability = OptionRules.Probability(new Option<double>("--color-jitter-probability")
        {
            Description = "SimCLR: probability of the colour jitter (paper: 0.8).",
            DefaultValueFactory = _ => 0.8,
        });
        var jitterStrength = OptionRules.NonNegative(new Option<double>("--color-jitter-strength")
        {
            Description = "SimCLR: colour distortion strength s; brightness, contrast, saturation 0.8s, hue 0.2s (paper, CIFAR-10: 0.5).",
            DefaultValueFactory = _ => 0.5,
        });
        var grayscaleProbability = OptionRules.Probability(new Option<double>("--grayscale-probability")
        {
            Description = "SimCLR: probability of random grayscale, colour images only (paper: 0.2).",
            DefaultValueFactory = _ => 0.2,
        });
        var blurProbability = OptionRules.Probability(new Option<double>("--blur-probability")
        {
            Description = "SimCLR: probability of Gaussian blur, σ in [0.1, 2], kernel 10% of the side (paper: 0 for CIFAR-sized images, 0.5 for ImageNet).",
            DefaultValueFactory = _ => 0.0,
        });
        var latentDim = OptionRules.Positive(new Option<int>("--latent-dim")
        {
            Description = "vae, ae, dae: width of the latent code, the exported embedding (vae: μ).",
            DefaultValueFactory = _ => AutoencoderSettings.Default.LatentDim,
        });
        var likelihood = new Option<string>("--likelihood")
        {
            Description = "vae, ae, dae: p(x | z), bernoulli (binary cross-entropy on grey levels) or gaussian (one variance, learned as the maximum-likelihood σ² of each batch).",
            DefaultValueFactory = _ => AutoencoderSettings.Default.Likelihood.ToString().ToLowerInvariant(),
        }.AcceptOnlyFromAmong([.. Enum.GetNames<Likelihood>().Select(name => name.ToLowerInvariant())]);
        var beta = OptionRules.NonNegative(new Option<double>("--beta")
        {
            Description = "vae: weight β of the KL term (1: the ELBO).",
            DefaultValueFactory = _ => VaeSettings.Default.Beta,
        });
        var klWarmupSteps = OptionRules.NonNegative(new Option<long>("--kl-warmup-steps")
        {
            Description = "vae: steps over which the KL weight rises linearly from 0 to β (0: none).",
            DefaultValueFactory = _ => VaeSettings.Default.KlWarmupSteps,
        });
        var noiseStd = OptionRules.NonNegative(new Option<double>("--noise-std")
        {
            Description = "dae: standard deviation of the additive Gaussian noise, pixels being in [0, 1] (0: none).",
            DefaultValueFactory = _ => DenoisingSettings.Default.NoiseStd,
        });
        var maskProbability = OptionRules.BelowOne(new Option<double>("--mask-prob")
        {
            Description = "dae: probability that a pixel value is set to 0 (0: none).",
            DefaultValueFactory = _ => DenoisingSettings.Default.MaskProbability,
        });
        var checkpointEvery = OptionRules.Positive(new Option<int>("--checkpoint-every")
        {
            Description = "Steps between checkpoints (default: one epoch).",
        });

        var command = new Command("pretrain", "Pretrain an encoder without labels; writes a run folder with checkpoints, metrics, the ONNX export and a report.")
        {
            method, data, encoder, embeddingDim, channels, imageSize, epochs, batchSize, seed, output, limit, resume,
            device, threads, optimizer, learningRate, momentum, weightDecay, warmupEpochs, temperature, projectionDim,
            minCropScale, flipProbability, jitterProbability, jitterStrength, grayscaleProbability, blurProbability,
            latentDim, likelihood, beta, klWarmupSteps, noiseStd, maskProbability, checkpointEvery,
        };
        // The options only some methods read: given with another method they would be silently ignored, so they are refused.
        (Option Option, string[] Methods)[] methodOptions =
        [
            (temperature, ["simclr"]), (projectionDim, ["simclr"]), (minCropScale, ["simclr"]), (flipProbability, ["simclr"]),
            (jitterProbability, ["simclr"]), (jitterStrength, ["simclr"]), (grayscaleProbability, ["simclr"]),
            (blurProbability, ["simclr"]), (latentDim, ["vae", "ae", "dae"]), (likelihood, ["vae", "ae", "dae"]),
            (beta, ["vae"]), (klWarmupSteps, ["vae"]), (noiseStd, ["dae"]), (maskProbability, ["dae"]),
        ];
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            string methodName = parse.GetValue(method)!;
            foreach ((Option option, string[] methods) in methodOptions)
            {
                if (parse.GetResult(option) is { Implicit: false } && !methods.Contains(methodName))
                {
                    throw new UsageException(
                        $"{option.Name} is an option of {string.Join(", ", methods)}, not of --method {methodName}: leave it out, or choose one of those methods.");
                }
            }
            bool Reads(Option option) => methodOptions.Single(entry => entry.Option == option).Methods.Contains(methodName);
            // The method's own settings, checked before the data is loaded.
            SimClrSettings? simClr = Reads(temperature)
                ? new SimClrSettings(
                    parse.GetValue(temperature) ?? SimClrSettings.Default.Temperature,
                    parse.GetValue(projectionDim) ?? SimClrSettings.Default.ProjectionDim,
                    Augmentation(parse.GetValue(minCropScale), parse.GetValue(flipProbability), parse.GetValue(jitterProbability),
                        parse.GetValue(jitterStrength), parse.GetValue(grayscaleProbability), parse.GetValue(blurProbability)))
                : null;
            AutoencoderSettings? autoencoder = Reads(latentDim)
                ? new AutoencoderSettings(parse.GetValue(latentDim), Enum.Parse<Likelihood>(parse.GetValue(likelihood)!, ignoreCase: true))
                : null;
            VaeSettings? vae = Reads(beta) ? new VaeSettings(parse.GetValue(beta), parse.GetValue(klWarmupSteps)) : null;
            DenoisingSettings? denoising = Reads(noiseStd) ? new DenoisingSettings(parse.GetValue(noiseStd), parse.GetValue(maskProbability)) : null;
            autoencoder?.Validate();
            vae?.Validate();
            denoising?.Validate();

            var torchDevice = TrainingDevice.Resolve(parse.GetValue(device)!);
            string dataUri = parse.GetValue(data)!;
            ImageShape? shape = RequestedShape(dataUri, parse.GetValue(channels), parse.GetValue(imageSize));
            Console.Error.WriteLine($"Loading {dataUri}…");
            ImageSet images = DatasetLoader.Load(dataUri, shape, cancellationToken);
            int? limitValue = parse.GetResult(limit) is null ? null : parse.GetValue(limit);
            if (limitValue is { } n)
            {
                images = images.Take(n);
            }

            string architecture = parse.GetValue(encoder)!;
            ChannelStatistics statistics = ChannelStatistics.Measure(images);
            var spec = new EncoderSpec(architecture, images.Channels, images.Height, images.Width,
                parse.GetValue(embeddingDim) ?? EncoderFactory.DefaultEmbeddingDim(architecture), statistics.Mean, statistics.Std);
            int batch = parse.GetValue(batchSize);
            int epochCount = parse.GetValue(epochs);
            long stepsPerEpoch = (images.Count + batch - 1) / batch;
            OptimizerKind kind = parse.GetValue(optimizer) is { } optimizerName
                ? Enum.Parse<OptimizerKind>(optimizerName, ignoreCase: true)
                : PretextMethods.DefaultOptimizer(methodName);
            double? warmup = parse.GetValue(warmupEpochs);
            if (warmup is < 0 || (warmup is { } w && w > epochCount))
            {
                throw new UsageException($"--warmup-epochs must be between 0 and --epochs ({epochCount}), not {warmup}.");
            }
            var config = new PretrainConfig
            {
                Method = methodName,
                Data = dataUri,
                Limit = limitValue,
                Encoder = spec,
                Epochs = epochCount,
                BatchSize = batch,
                Seed = parse.GetValue(seed),
                Optimizer = new OptimizerSettings(
                    kind,
                    parse.GetValue(learningRate) ?? OptimizerSettings.DefaultLearningRate(kind, batch),
                    parse.GetValue(momentum),
                    parse.GetValue(weightDecay) ?? OptimizerSettings.DefaultWeightDecay(kind),
                    warmup is { } epochsOfWarmup
                        ? (long)Math.Round(epochsOfWarmup * stepsPerEpoch)
                        : OptimizerSettings.DefaultWarmupSteps(epochCount * stepsPerEpoch, stepsPerEpoch)),
                CheckpointEvery = parse.GetResult(checkpointEvery) is null ? (int)stepsPerEpoch : parse.GetValue(checkpointEvery),
                SimClr = simClr,
                Autoencoder = autoencoder,
                Vae = vae,
                Denoising = denoising,
            };

            var run = new RunDirectory(parse.GetValue(output)!);
            Console.Error.WriteLine(
                $"Pretraining {config.Method} on {images.Count} images of {images.Source} ({images.Channels}x{images.Height}x{images.Width}), {architecture} D={spec.EmbeddingDim}, {epochCount} epochs of {stepsPerEpoch} steps, batch {batch}, {kind.ToString().ToLowerInvariant()} lr {config.Optimizer.LearningRate:G4}, on {torchDevice.type.ToString().ToLowerInvariant()} with {parse.GetValue(threads)} threads → {run.Path}");
            var progress = new ConsoleProgress();
            PretrainResult result = new Pretrainer(torchDevice).Run(config, images, run, parse.GetValue(resume), progress.Report, cancellationToken);
            Console.WriteLine(result.Steps == 0
                ? $"untrained: the seed's initial weights, checkpoint {result.Checkpoint}"
                : $"pretrained: {result.Steps} steps, final loss {result.FinalLoss:F4}, {result.WallSeconds:F0} s, {result.ImagesPerSecond:F0} images/s; checkpoint {result.Checkpoint}");
            Console.WriteLine(ExportCommand.Describe(RunExport.Export(run, result.Checkpoint, RunExport.DefaultPath(run), cancellationToken)));
            Console.WriteLine(ReportCommand.Describe(
                RunReport.Write(run, result.Checkpoint, null, RunReport.DefaultDirectory(run), torchDevice, cancellationToken)));
            return Task.FromResult(0);
        }, DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }

    /// <summary>The view distribution from the options, with the paper's colour-strength scaling; validated here.</summary>
    private static SimClrAugmentationOptions Augmentation(double minCropScale, double flip, double jitter, double strength,
        double grayscale, double blur)
    {
        var options = new SimClrAugmentationOptions
        {
            CropScale = (minCropScale, 1.0),
            HorizontalFlipProbability = flip,
            ColorJitterProbability = jitter,
            Brightness = 0.8 * strength,
            Contrast = 0.8 * strength,
            Saturation = 0.8 * strength,
            Hue = 0.2 * strength,
            GrayscaleProbability = grayscale,
            BlurProbability = blur,
        };
        options.Validate();
        return options;
    }

    /// <summary>The input shape asked for; folders default to 3×32×32, Fashion-MNIST to its own 1×28×28.</summary>
    private static ImageShape? RequestedShape(string dataUri, int? channels, int? imageSize)
    {
        bool folder = DatasetUri.Parse(dataUri) is DatasetUri.Folder;
        if (!folder && channels is null && imageSize is null)
        {
            return null;
        }
        int c = channels ?? (folder ? 3 : 1);
        int size = imageSize ?? (folder ? 32 : 28);
        if (c is not (1 or 3))
        {
            throw new UsageException($"--channels must be 1 or 3, not {c}.");
        }
        if (size is < 8 or > 512)
        {
            throw new UsageException($"--image-size must be between 8 and 512 pixels, not {size}.");
        }
        return new ImageShape(c, size, size);
    }
}
