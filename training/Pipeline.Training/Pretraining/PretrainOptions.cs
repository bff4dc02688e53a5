using System.Text.Json.Serialization;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Devices;
using Pipeline.Training.Encoders;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// What a user may set for a pretraining run — the settings of <c>pipeline-train pretrain</c>, of the nightly job's
/// <c>pretrain</c> section, of a program that pretrains — with every default decided here: <see cref="Resolve"/> turns
/// them and the training images into the run's full <see cref="PretrainConfig"/>. One subtype per self-supervised
/// method holds that method's own settings (<see cref="PretextMethods.OptionsType"/>); in JSON the <c>method</c> setting
/// chooses it (<see cref="PretrainOptionsJsonConverter"/>), and a setting's JSON name is the CLI option's name without
/// its dashes (<c>"batch-size": 512</c>).
/// </summary>
/// <example>
/// <code>
/// var options = new SimClrPretrainOptions { Encoder = "convnet6", Epochs = 8, Temperature = 0.2, MinCropScale = 0.2 };
/// ImageSet images = options.LoadImages();
/// PretrainConfig config = options.Resolve(images);
/// </code>
/// </example>
[JsonConverter(typeof(PretrainOptionsJsonConverter))]
public abstract record PretrainOptions
{
    /// <summary>The self-supervised method these options train, a name of <see cref="PretextMethods.SelfSupervisedNames"/>.</summary>
    public string Method => PretextMethods.MethodOf(GetType());

    /// <summary>The training images, a dataset URI: <c>fashion-mnist:train</c>, <c>fashion-mnist:test</c>, <c>folder:/path</c>.</summary>
    public string Data { get; init; } = "fashion-mnist:train";

    /// <summary>The encoder architecture, a name of <see cref="EncoderFactory.Names"/>.</summary>
    public string Encoder { get; init; } = "convnet";

    /// <summary>Width of the encoder's features h; null for the architecture's own (<see cref="EncoderFactory.DefaultEmbeddingDim"/>).</summary>
    [JsonPropertyName("embedding-dim")]
    public int? EmbeddingDim { get; init; }

    /// <summary>Input channels, 1 or 3; null for the data's own (folders: 3).</summary>
    public int? Channels { get; init; }

    /// <summary>Input height and width in pixels, 8 to 512; null for the data's own (folders: 32).</summary>
    [JsonPropertyName("image-size")]
    public int? ImageSize { get; init; }

    /// <summary>Passes over the images; 0 trains nothing and keeps the seed's initial weights.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Images per step, at least 2 (batch norm needs two samples).</summary>
    [JsonPropertyName("batch-size")]
    public int BatchSize { get; init; } = 256;

    /// <summary>Seeds the weights, the data order and every augmentation draw.</summary>
    public int Seed { get; init; }

    /// <summary>Train on only the first this many images (at least 2); null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>The optimizer; null for the method's own (<see cref="PretextMethods.DefaultOptimizer"/>).</summary>
    [JsonConverter(typeof(OptimizerKindJsonConverter))]
    public OptimizerKind? Optimizer { get; init; }

    /// <summary>Peak learning rate; null for the optimizer's own at this batch size (<see cref="OptimizerSettings.DefaultLearningRate"/>).</summary>
    [JsonPropertyName("lr")]
    public double? LearningRate { get; init; }

    /// <summary>Momentum of SGD and LARS, β1 of AdamW, in [0, 1).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay on weights; null for the optimizer's own (<see cref="OptimizerSettings.DefaultWeightDecay"/>).</summary>
    [JsonPropertyName("weight-decay")]
    public double? WeightDecay { get; init; }

    /// <summary>Linear warm-up before the cosine decay, in epochs, at most <see cref="Epochs"/>; null for a tenth of the run, at most 10.</summary>
    [JsonPropertyName("warmup-epochs")]
    public double? WarmupEpochs { get; init; }

    /// <summary>Steps between checkpoints; null for one epoch.</summary>
    [JsonPropertyName("checkpoint-every")]
    public int? CheckpointEvery { get; init; }

    /// <summary>
    /// fp32, or bf16: mixed precision, the encoder's and projection head's convolutions and linear layers in bfloat16
    /// from float32 weights (<see cref="TrainingPrecision.Bf16"/>).
    /// </summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    /// <summary>Where to compute, a name of <see cref="TrainingDevice.Names"/>; it does not enter the run's config.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>CPU threads for TorchSharp; null for every core. It does not enter the run's config.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> for the first setting that is out of range or conflicts with another,
    /// naming it (<see cref="InvalidSettingException.Setting"/>); nothing is read or written.
    /// </summary>
    public virtual void Validate()
    {
        RequireDatasetUri("data", Data);
        RequireAmong("encoder", Encoder, EncoderFactory.Names);
        RequireAmong("device", Device, TrainingDevice.Names);
        Require(EmbeddingDim is null or >= 1, "embedding-dim", "must be a positive whole number", EmbeddingDim);
        Require(Channels is null or 1 or 3, "channels", "must be 1 or 3", Channels);
        Require(ImageSize is null or (>= 8 and <= 512), "image-size", "must be between 8 and 512 pixels", ImageSize);
        Require(Epochs >= 0, "epochs", "must be 0 or a positive whole number", Epochs);
        Require(BatchSize >= 2, "batch-size", "must be at least 2 (batch norm needs two samples)", BatchSize);
        Require(Seed >= 0, "seed", "must be 0 or a positive whole number", Seed);
        Require(Limit is null or >= 2, "limit", "must be at least 2 images", Limit);
        Require(Optimizer is null || Enum.IsDefined(Optimizer.Value), "optimizer", "must be sgd, adam or lars", Optimizer);
        Require(LearningRate is null || (LearningRate > 0 && double.IsFinite(LearningRate.Value)), "lr", "must be a positive number", LearningRate);
        Require(Momentum is >= 0 and < 1, "momentum", "must be a number from 0 up to, but not including, 1", Momentum);
        Require(WeightDecay is null || (WeightDecay >= 0 && double.IsFinite(WeightDecay.Value)), "weight-decay", "must be 0 or a positive number", WeightDecay);
        Require(WarmupEpochs is null || (WarmupEpochs >= 0 && WarmupEpochs <= Epochs), "warmup-epochs",
            $"must be between 0 and the run's {Epochs} epochs", WarmupEpochs);
        Require(Enum.IsDefined(Precision), "precision", "must be fp32 or bf16", Precision);
        Require(CheckpointEvery is null or >= 1, "checkpoint-every", "must be a positive whole number", CheckpointEvery);
        Require(Threads is null or >= 1, "threads", "must be a positive whole number", Threads);
    }

    /// <summary>The input shape asked for: null for the data's own; folders default to 3×32×32, Fashion-MNIST to its 1×28×28.</summary>
    public ImageShape? InputShape()
    {
        bool folder = DatasetUri.Parse(Data) is DatasetUri.Folder;
        if (!folder && Channels is null && ImageSize is null)
        {
            return null;
        }
        int size = ImageSize ?? (folder ? 32 : 28);
        return new ImageShape(Channels ?? (folder ? 3 : 1), size, size);
    }

    /// <summary>The training images: <see cref="Data"/> at <see cref="InputShape"/>, the first <see cref="Limit"/> of them.</summary>
    /// <exception cref="InvalidSettingException">A setting is invalid (<see cref="Validate"/>).</exception>
    public ImageSet LoadImages(CancellationToken cancellationToken = default)
    {
        Validate();
        ImageSet images = DatasetLoader.Load(Data, InputShape(), cancellationToken);
        return Limit is { } limit ? images.Take(limit) : images;
    }

    /// <summary>
    /// The run's full config for these options on <paramref name="images"/> (<see cref="LoadImages"/>): the encoder's
    /// shape and normalisation from the images, and every setting left out at its default — the method's optimizer, its
    /// learning rate for this batch size, its weight decay, a warm-up of a tenth of the run (at most 10 epochs), a
    /// checkpoint every epoch, the architecture's embedding width, and the method's own settings.
    /// </summary>
    /// <exception cref="InvalidSettingException">A setting is invalid (<see cref="Validate"/>).</exception>
    public PretrainConfig Resolve(ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        Validate();
        ChannelStatistics statistics = ChannelStatistics.Measure(images);
        long stepsPerEpoch = (images.Count + BatchSize - 1) / BatchSize;
        OptimizerKind kind = Optimizer ?? PretextMethods.DefaultOptimizer(Method);
        return new PretrainConfig
        {
            Method = Settings(),
            Data = Data,
            Limit = Limit,
            Encoder = new EncoderSpec(Encoder, images.Channels, images.Height, images.Width,
                EmbeddingDim ?? EncoderFactory.DefaultEmbeddingDim(Encoder), statistics.Mean, statistics.Std),
            Epochs = Epochs,
            BatchSize = BatchSize,
            Seed = Seed,
            Optimizer = new OptimizerSettings(
                kind,
                LearningRate ?? OptimizerSettings.DefaultLearningRate(kind, BatchSize),
                Momentum,
                WeightDecay ?? OptimizerSettings.DefaultWeightDecay(kind),
                WarmupEpochs is { } warmup
                    ? (long)Math.Round(warmup * stepsPerEpoch)
                    : OptimizerSettings.DefaultWarmupSteps(Epochs * stepsPerEpoch, stepsPerEpoch)),
            Precision = Precision,
            CheckpointEvery = CheckpointEvery ?? (int)stepsPerEpoch,
        };
    }

    /// <summary>
    /// The self-supervised methods whose options have the setting <paramref name="name"/> (its JSON name), in
    /// <see cref="PretextMethods.SelfSupervisedNames"/> order; empty for a name no method has.
    /// </summary>
    public static IReadOnlyList<string> MethodsWithSetting(string name) =>
        PretextMethods.SelfSupervisedNames.Where(method => PretrainOptionsJsonConverter.Settings(PretextMethods.OptionsType(method)).ContainsKey(name)).ToArray();

    /// <summary>This method's own settings, as the run's config holds them (<see cref="PretrainConfig.Method"/>).</summary>
    protected abstract MethodSettings Settings();

    /// <summary>
    /// Throws, naming <paramref name="setting"/> and its <paramref name="value"/>, unless <paramref name="accepted"/>;
    /// <paramref name="problem"/> says what is accepted, following the name: "must be a positive number". The other
    /// options types of this library check their settings with it too.
    /// </summary>
    internal static void Require(bool accepted, string setting, string problem, object? value) =>
        InvalidSettingException.ThrowUnless(accepted, setting, problem, value);

    /// <summary>Throws, naming <paramref name="setting"/>, unless <paramref name="value"/> is a dataset URI (<see cref="DatasetUri.Parse"/>).</summary>
    internal static void RequireDatasetUri(string setting, string value)
    {
        try
        {
            DatasetUri.Parse(value);
        }
        catch (InvalidSettingException error)
        {
            throw InvalidSettingException.ForSetting(setting, $"is refused: {error.Message}", error);
        }
    }

    internal static void RequireAmong(string setting, string value, IReadOnlyList<string> names) =>
        Require(names.Contains(value), setting, $"must be one of {string.Join(", ", names)}", $"'{value}'");
}
