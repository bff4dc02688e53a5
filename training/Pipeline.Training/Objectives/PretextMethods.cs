using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Augmentations;
using Pipeline.Training.Distillation;
using Pipeline.Training.Encoders;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.SemiSupervised;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The registry of methods by name: adding a method is one objective, its settings record (<see cref="MethodSettings"/>),
/// its options type, and one line here saying which encoder the method trains (its embedding is what evaluation and
/// export see), the optimizer it defaults to, the <see cref="PretrainOptions"/> type that holds its settings
/// (self-supervised methods only), and how its objective is built from its settings.
/// </summary>
public static class PretextMethods
{
    private static readonly Dictionary<string, PretextMethod> Methods = new[]
    {
        Method<SimClrSettings, Encoder>(Backbone, OptimizerKind.Sgd, typeof(SimClrPretrainOptions), (simClr, encoder, _) =>
            new SimClrObjective(encoder, simClr.ProjectionDim, simClr.Temperature, simClr.Augmentation)),
        Method<VaeSettings, LatentEncoder>(Latent, OptimizerKind.AdamW, typeof(VaePretrainOptions), (vae, encoder, _) => new VaeObjective(encoder, vae)),
        Method<AutoencoderSettings, LatentEncoder>(Latent, OptimizerKind.AdamW, typeof(AutoencoderPretrainOptions), (ae, encoder, _) =>
            new AutoencoderObjective(encoder, ae.Likelihood, corruption: null)),
        Method<DenoisingSettings, LatentEncoder>(Latent, OptimizerKind.AdamW, typeof(DenoisingPretrainOptions), (dae, encoder, _) =>
            new AutoencoderObjective(encoder, dae.Likelihood, new DenoisingCorruption(dae))),
        Method<RotationSettings, Encoder>(Backbone, OptimizerKind.Sgd, typeof(RotationPretrainOptions), (_, encoder, _) => new RotationObjective(encoder)),
        // Not self-supervised: the student of a teacher fine-tuned on labels (pipeline-train distill), trained by the same loop.
        // Its labelled term, if any, takes the labelled images from the training images.
        Method<DistillationSettings, Encoder>(Backbone, OptimizerKind.AdamW, options: null, (distill, encoder, images) =>
            WithLabelledImages(images, distill.Labelled?.LabelledIds, labelled => new DistillationObjective(encoder, distill, labelled))),
        // Semi-supervised: the labelled images come from the training images (pipeline-train fixmatch).
        Method<FixMatchSettings, Encoder>(Backbone, OptimizerKind.AdamW, options: null, (fixMatch, encoder, images) =>
            WithLabelledImages(images, fixMatch.LabelledIds, labelled => new FixMatchObjective(encoder, fixMatch, labelled))),
    }.ToDictionary(method => method.Name, StringComparer.Ordinal);

    /// <summary>The name of SimCLR, the method a pretraining run has unless told otherwise.</summary>
    public const string SimClr = "simclr";

    /// <summary>The name of self-distillation, which <c>pipeline-train distill</c> runs and <c>pretrain</c> does not offer.</summary>
    public const string Distill = "distill";

    /// <summary>The name of FixMatch, which <c>pipeline-train fixmatch</c> runs and <c>pretrain</c> does not offer.</summary>
    public const string FixMatch = "fixmatch";

    /// <summary>Every method a run may have.</summary>
    public static IReadOnlyList<string> Names { get; } = Methods.Keys.ToArray();

    /// <summary>The self-supervised methods, which pretraining offers: those with a <see cref="PretrainOptions"/> type.</summary>
    public static IReadOnlyList<string> SelfSupervisedNames { get; } = Methods.Where(entry => entry.Value.Options is not null).Select(entry => entry.Key).ToArray();

    /// <summary>Whether a run of the method trains a classifier over labels (distill, fixmatch) rather than an encoder without them.</summary>
    public static bool TrainsClassifier(MethodSettings method) => method is DistillationSettings or FixMatchSettings;

    /// <summary>
    /// The encoder the config's method trains, freshly initialised (weights from torch's global generator): the
    /// architecture of <see cref="PretrainConfig.Encoder"/>, followed for vae, ae and dae by the linear map to the latent
    /// code. Checkpoints store its weights under "model.encoder.", so a run's encoder is rebuilt from its config alone.
    /// </summary>
    public static Encoder CreateEncoder(PretrainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Lookup(config.Method.Name).CreateEncoder(config);
    }

    /// <summary>
    /// The objective of the config's method around a fresh <see cref="CreateEncoder"/>. <paramref name="images"/> are the
    /// run's training images, which a semi-supervised method takes its labelled ones from; without them (rebuilding a run
    /// to read its checkpoint) such an objective can be exported but not trained.
    /// </summary>
    public static PretextObjective Create(PretrainConfig config, ImageSet? images = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        PretextMethod method = Lookup(config.Method.Name);
        Encoder encoder = method.CreateEncoder(config);
        try
        {
            return method.CreateObjective(config, encoder, images);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The optimizer a method trains with unless told otherwise: SGD for simclr and rotation, AdamW for the others.</summary>
    public static OptimizerKind DefaultOptimizer(string method) => Lookup(method).DefaultOptimizer;

    /// <summary>The <see cref="PretrainOptions"/> type that holds the settings of a self-supervised method.</summary>
    /// <exception cref="InvalidSettingException">The method is unknown, or not one pretraining offers.</exception>
    public static Type OptionsType(string method) =>
        method is not null && Methods.TryGetValue(method, out PretextMethod? found) && found.Options is { } type
            ? type
            : throw InvalidSettingException.ForSetting("method", $"must be one of {string.Join(", ", SelfSupervisedNames)}, not '{method}'.");

    /// <summary>The method whose settings <paramref name="optionsType"/> holds (<see cref="OptionsType"/> reversed).</summary>
    public static string MethodOf(Type optionsType) => Methods.Single(entry => entry.Value.Options == optionsType).Key;

    /// <summary>Throws <see cref="InvalidSettingException"/>, naming the methods there are, unless <paramref name="method"/> is one of <see cref="Names"/>.</summary>
    internal static void Require(string method) => Lookup(method);

    private static PretextMethod Lookup(string method) =>
        Methods.TryGetValue(method, out PretextMethod? found)
            ? found
            : throw new InvalidSettingException($"Unknown method '{method}': use one of {string.Join(", ", Methods.Keys)}.");

    private static Encoder Backbone(EncoderSpec spec, MethodSettings method) => EncoderFactory.Create(spec);

    private static LatentEncoder Latent(EncoderSpec spec, AutoencoderSettings autoencoder) => new(EncoderFactory.Create(spec), autoencoder.LatentDim);

    // The objective of a run that trains on labelled images among the training images: they are selected when the run
    // trains (images given and ids asked for) and owned by the objective, or disposed when it cannot be built.
    private static PretextObjective WithLabelledImages(ImageSet? images, IReadOnlyList<string>? ids, Func<LabelledImages?, PretextObjective> create)
    {
        LabelledImages? labelled = images is null || ids is null ? null : LabelledImages.Select(images, ids);
        try
        {
            return create(labelled);
        }
        catch
        {
            labelled?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The registration of the method whose settings are a <typeparamref name="TSettings"/>, named by it
    /// (<see cref="MethodSettings.NameOf"/>), whose objective receives those settings and the very encoder type its
    /// encoder factory builds.
    /// </summary>
    private static PretextMethod Method<TSettings, TEncoder>(Func<EncoderSpec, TSettings, TEncoder> createEncoder, OptimizerKind defaultOptimizer,
        Type? options, Func<TSettings, TEncoder, ImageSet?, PretextObjective> createObjective) where TSettings : MethodSettings where TEncoder : Encoder =>
        new(MethodSettings.NameOf(typeof(TSettings)),
            config => createEncoder(config.Encoder, (TSettings)config.Method),
            defaultOptimizer,
            options,
            (config, encoder, images) => createObjective((TSettings)config.Method, (TEncoder)encoder, images));

    private sealed record PretextMethod(
        string Name,
        Func<PretrainConfig, Encoder> CreateEncoder,
        OptimizerKind DefaultOptimizer,
        Type? Options,
        Func<PretrainConfig, Encoder, ImageSet?, PretextObjective> CreateObjective);
}
