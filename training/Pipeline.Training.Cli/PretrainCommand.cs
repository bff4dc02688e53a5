using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Encoders;
using Pipeline.Training.Losses;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>The <c>pretrain</c> verb: self-supervised pretraining of an encoder into a run folder.</summary>
public sealed class PretrainCommand
{
    /// <summary>The library's defaults, shown in the help; an option left out is not bound, so the library's own apply.</summary>
    private static readonly SimClrPretrainOptions Defaults = new();

    private readonly Option<string> _method = new Option<string>("--method")
    {
        Description = "Self-supervised method: simclr (contrastive), vae (variational autoencoder; embedding μ), ae (autoencoder), dae (denoising autoencoder) or rotation (rotation prediction).",
        DefaultValueFactory = _ => PretextMethods.SimClr,
    }.AcceptOnlyFromAmong([.. PretextMethods.SelfSupervisedNames]);
    private readonly Option<string> _data = OptionRules.ParsedBy(new Option<string>("--data")
    {
        Description = "Training images: fashion-mnist:train, fashion-mnist:test or folder:/path (PNG/JPEG, labels ignored).",
        DefaultValueFactory = _ => Defaults.Data,
    }, DatasetUri.Parse);
    private readonly Option<string> _encoder = new Option<string>("--encoder")
    {
        Description = "Encoder architecture: convnet (four convolutions, the CPU default), convnet6 (six, twice as wide) or resnet18 (small-image stem).",
        DefaultValueFactory = _ => Defaults.Encoder,
    }.AcceptOnlyFromAmong([.. EncoderFactory.Names]);
    private readonly Option<int?> _embeddingDim = OptionRules.Positive(new Option<int?>("--embedding-dim")
    {
        Description = "Width of the encoder's features h, the embedding of simclr and rotation; vae, ae and dae map h to --latent-dim (default: convnet 128, convnet6 256, resnet18 512).",
    });
    private readonly Option<int?> _channels = OptionRules.Positive(new Option<int?>("--channels")
    {
        Description = "Input channels, 1 or 3 (default: the data's own; folders: 3).",
    });
    private readonly Option<int?> _imageSize = OptionRules.Positive(new Option<int?>("--image-size")
    {
        Description = "Input height and width in pixels (default: the data's own; folders: 32).",
    });
    private readonly Option<int> _epochs = OptionRules.NonNegative(new Option<int>("--epochs")
    {
        Description = "Passes over the training images; 0 trains nothing and keeps the seed's initial weights as checkpoint step 0, the randomly initialised baseline.",
        DefaultValueFactory = _ => Defaults.Epochs,
    });
    private readonly Option<int> _batchSize = OptionRules.Positive(new Option<int>("--batch-size")
    {
        Description = "Images per step.",
        DefaultValueFactory = _ => Defaults.BatchSize,
    });
    private readonly Option<int> _seed = SharedOptions.Seed();
    private readonly Option<string> _output = new Option<string>("--out")
    {
        Description = "Run folder: run.json, metrics.jsonl, checkpoints/, eval/, and encoder.onnx and report/ written at the end.",
        Required = true,
    };
    private readonly Option<int> _limit = OptionRules.Positive(new Option<int>("--limit")
    {
        Description = "Use only the first N images (quick runs).",
    });
    private readonly Option<bool> _resume = new Option<bool>("--resume")
    {
        Description = "Continue the run in --out from its newest checkpoint, with the same options; --lr may be lowered (after a divergence, say), from that checkpoint on.",
    };
    private readonly Option<string> _device = SharedOptions.Device();
    private readonly Option<int> _threads = SharedOptions.Threads();
    private readonly Option<TrainingPrecision> _precision = SharedOptions.Precision();
    private readonly Option<string?> _optimizer = new Option<string?>("--optimizer")
    {
        Description = $"sgd (momentum), adamw (Adam with decoupled weight decay; {OptimizerKindJsonConverter.FormerAdamWName}, its former name, is accepted too) or lars (SimCLR's) (default: sgd for simclr and rotation, adamw for vae, ae and dae).",
    }.AcceptOnlyFromAmong("sgd", "adamw", "lars", OptimizerKindJsonConverter.FormerAdamWName);
    private readonly Option<double?> _learningRate = OptionRules.Positive(new Option<double?>("--lr")
    {
        Description = "Peak learning rate (default: sgd 0.06·B/128, lars 0.3·B/256, adamw 1e-3).",
    });
    private readonly Option<double> _momentum = OptionRules.BelowOne(new Option<double>("--momentum")
    {
        Description = "Momentum of sgd and lars, β1 of adamw.",
        DefaultValueFactory = _ => Defaults.Momentum,
    });
    private readonly Option<double?> _weightDecay = OptionRules.NonNegative(new Option<double?>("--weight-decay")
    {
        Description = "Weight decay on weights, never on biases or batch norm (default: sgd 5e-4, lars and adamw 1e-6).",
    });
    private readonly Option<double?> _warmupEpochs = OptionRules.NonNegative(new Option<double?>("--warmup-epochs")
    {
        Description = "Linear warm-up before the cosine decay, in epochs (default: a tenth of the run, at most 10).",
    });
    private readonly Option<double?> _temperature = OptionRules.Positive(new Option<double?>("--temperature")
    {
        Description = "SimCLR: NT-Xent temperature τ (default 0.5).",
    });
    private readonly Option<int?> _projectionDim = OptionRules.Positive(new Option<int?>("--projection-dim")
    {
        Description = "SimCLR: width of the projection z (default 128).",
    });
    private readonly Option<double> _minCropScale = OptionRules.AboveZeroUpToOne(new Option<double>("--min-crop-scale")
    {
        Description = "SimCLR: smallest random-resized-crop area, as a fraction of the image (paper: 0.08).",
        DefaultValueFactory = _ => Defaults.MinCropScale,
    });
    private readonly Option<double> _flipProbability = OptionRules.Probability(new Option<double>("--flip-probability")
    {
        Description = "SimCLR: probability of a horizontal flip (paper: 0.5).",
        DefaultValueFactory = _ => Defaults.FlipProbability,
    });
    private readonly Option<double> _jitterProbability = OptionRules.Probability(new Option<double>("--color-jitter-probability")
    {
        Description = "SimCLR: probability of the colour jitter (paper: 0.8).",
        DefaultValueFactory = _ => Defaults.ColorJitterProbability,
    });
    private readonly Option<double> _jitterStrength = OptionRules.NonNegative(new Option<double>("--color-jitter-strength")
    {
        Description = "SimCLR: colour distortion strength s; brightness, contrast, saturation 0.8s, hue 0.2s (paper, CIFAR-10: 0.5).",
        DefaultValueFactory = _ => Defaults.ColorJitterStrength,
    });
    private readonly Option<double> _grayscaleProbability = OptionRules.Probability(new Option<double>("--grayscale-probability")
    {
        Description = "SimCLR: probability of random grayscale, colour images only (paper: 0.2).",
        DefaultValueFactory = _ => Defaults.GrayscaleProbability,
    });
    private readonly Option<double> _blurProbability = OptionRules.Probability(new Option<double>("--blur-probability")
    {
        Description = "SimCLR: probability of Gaussian blur, σ in [0.1, 2], kernel 10% of the side (paper: 0 for CIFAR-sized images, 0.5 for ImageNet).",
        DefaultValueFactory = _ => Defaults.BlurProbability,
    });
    private readonly Option<int> _latentDim = OptionRules.Positive(new Option<int>("--latent-dim")
    {
        Description = "vae, ae, dae: width of the latent code, the exported embedding (vae: μ).",
        DefaultValueFactory = _ => AutoencoderSettings.Default.LatentDim,
    });
    private readonly Option<string> _likelihood = new Option<string>("--likelihood")
    {
        Description = "vae, ae, dae: p(x | z), bernoulli (binary cross-entropy on grey levels) or gaussian (one variance, learned as the maximum-likelihood σ² of each batch).",
        DefaultValueFactory = _ => AutoencoderSettings.Default.Likelihood.ToString().ToLowerInvariant(),
    }.AcceptOnlyFromAmong([.. Enum.GetNames<Likelihood>().Select(name => name.ToLowerInvariant())]);
    private readonly Option<double> _beta = OptionRules.NonNegative(new Option<double>("--beta")
    {
        Description = "vae: weight β of the KL term (1: the ELBO).",
        DefaultValueFactory = _ => VaeSettings.Default.Beta,
    });
    private readonly Option<long> _klWarmupSteps = OptionRules.NonNegative(new Option<long>("--kl-warmup-steps")
    {
        Description = "vae: steps over which the KL weight rises linearly from 0 to β (0: none).",
        DefaultValueFactory = _ => VaeSettings.Default.KlWarmupSteps,
    });
    private readonly Option<double> _noiseStd = OptionRules.NonNegative(new Option<double>("--noise-std")
    {
        Description = "dae: standard deviation of the additive Gaussian noise, pixels being in [0, 1] (0: none).",
        DefaultValueFactory = _ => DenoisingSettings.Default.NoiseStd,
    });
    private readonly Option<double> _maskProbability = OptionRules.BelowOne(new Option<double>("--mask-prob")
    {
        Description = "dae: probability that a pixel value is set to 0 (0: none).",
        DefaultValueFactory = _ => DenoisingSettings.Default.MaskProbability,
    });
    private readonly Option<int> _checkpointEvery = OptionRules.Positive(new Option<int>("--checkpoint-every")
    {
        Description = "Steps between checkpoints (default: one epoch).",
    });

    private PretrainCommand()
    {
    }

    public static Command Create() => new PretrainCommand().Build();

    private Command Build()
    {
        var command = new Command("pretrain", "Pretrain an encoder without labels; writes a run folder with checkpoints, metrics, the ONNX export and a report.")
        {
            _method, _data, _encoder, _embeddingDim, _channels, _imageSize, _epochs, _batchSize, _seed, _output, _limit, _resume,
            _device, _threads, _precision, _optimizer, _learningRate, _momentum, _weightDecay, _warmupEpochs, _temperature, _projectionDim,
            _minCropScale, _flipProbability, _jitterProbability, _jitterStrength, _grayscaleProbability, _blurProbability,
            _latentDim, _likelihood, _beta, _klWarmupSteps, _noiseStd, _maskProbability, _checkpointEvery,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => Task.FromResult(Run(new PretrainJobOptions
        {
            Pretrain = Bind(parse, command.Options.Where(option => option != _output && option != _resume)),
            Output = parse.GetValue(_output)!,
            Resume = parse.GetValue(_resume),
        }, cancellationToken)), DivergedAdvice.ResumeWithLowerLearningRate));
        return command;
    }

    /// <summary>
    /// What a <see cref="PretrainJob"/> says on the console as it goes (<see cref="ConsoleProgress"/>), the pretrain verb's
    /// and the nightly verb's alike; <see cref="Print"/> says how it ended.
    /// </summary>
    public static PretrainJobObserver ConsoleObserver() => ConsoleProgress.Observer(Describe, "pretrained");

    /// <summary>What a finished <see cref="PretrainJob"/> says on the console: the report it drew.</summary>
    public static void Print(PretrainJobResult done)
    {
        ArgumentNullException.ThrowIfNull(done);
        Console.WriteLine(ReportCommand.Describe(done.Report));
    }

    /// <summary>Runs the <see cref="PretrainJob"/> <paramref name="options"/> ask for, saying what it does on the console as it goes.</summary>
    private static int Run(PretrainJobOptions options, CancellationToken cancellationToken)
    {
        Print(OptionErrors.Named(() => new PretrainJob().Run(options, ConsoleObserver(), cancellationToken)));
        return ExitCodes.Success;
    }

    private static string Describe(PretrainPlan plan)
    {
        (ImageSet images, PretrainConfig config) = (plan.Images, plan.Config);
        return $"Pretraining {config.Method.Name} on {images.Count} images of {images.Source} ({images.Channels}x{images.Height}x{images.Width}), "
            + $"{config.Encoder.Architecture} D={config.Encoder.EmbeddingDim}, {config.Epochs} epochs of {config.StepsPerEpoch(images.Count)} steps, "
            + $"batch {config.BatchSize}, {config.Optimizer.Kind.ToString().ToLowerInvariant()} lr {config.Optimizer.LearningRate:G4}, "
            + (config.Precision == TrainingPrecision.Bf16 ? "bf16 mixed precision, " : "")
            + $"on {plan.Device.type.ToString().ToLowerInvariant()} with {plan.Threads} threads → {plan.Run.Path}";
    }

    /// <summary>
    /// The options given on the command line, as the library reads them: each one given by name becomes the setting of
    /// that name (<see cref="PretrainOptionsJsonConverter"/>); those left out keep the library's defaults.
    /// </summary>
    private static PretrainOptions Bind(ParseResult parse, IEnumerable<Option> settings)
    {
        var given = new JsonObject();
        foreach (Option option in settings)
        {
            if (parse.GetResult(option) is { Implicit: false } result)
            {
                given[option.Name.TrimStart('-')] = JsonSerializer.SerializeToNode(result.GetValueOrDefault<object?>(), RunJson.CamelCase);
            }
        }
        string method = given["method"]?.GetValue<string>() ?? PretextMethods.SimClr;
        // Given with another method, an option would be ignored; the library refuses it too, but this names the options.
        foreach ((string name, _) in given)
        {
            IReadOnlyList<string> methods = PretrainOptions.MethodsWithSetting(name);
            if (!methods.Contains(method))
            {
                throw new UsageException(
                    $"--{name} is an option of {string.Join(", ", methods)}, not of --method {method}: leave it out, or choose one of those methods.");
            }
        }
        return given.Deserialize<PretrainOptions>(RunJson.CamelCase)!;
    }
}
