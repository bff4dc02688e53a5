using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using Pipeline.Training.Objectives;
using Pipeline.Training.Optimization;
using static TorchSharp.torch;

namespace Pipeline.Training.Pretraining;

/// <summary>
/// What <c>distill</c> and <c>fixmatch</c> runs share: a classifier trained from a pretrained encoder (the student) by
/// the pretraining loop into a run folder, then exported as an <c>inference_model.onnx</c> with a fine-tune's contract.
/// </summary>
public static class StudentRun
{
    /// <summary>Passes over the images unless told otherwise.</summary>
    public const int DefaultEpochs = 10;

    /// <summary>AdamW's peak learning rate unless told otherwise: its default at a batch of 256.</summary>
    public static double DefaultLearningRate { get; } = OptimizerSettings.DefaultLearningRate(OptimizerKind.AdamW, 256);

    /// <summary>AdamW's decoupled weight decay unless told otherwise.</summary>
    public static double DefaultWeightDecay { get; } = OptimizerSettings.DefaultWeightDecay(OptimizerKind.AdamW);

    /// <summary>
    /// The run folder <paramref name="folder"/> as a starting point: its config and newest checkpoint. A pretraining run
    /// of simclr or rotation always fits; a run that trained a classifier when <paramref name="classifierRuns"/>.
    /// </summary>
    /// <exception cref="InvalidSettingException">The folder holds no run, or one the student cannot start from
    /// (<see cref="InvalidSettingException.Setting"/> <c>student</c>).</exception>
    public static (PretrainConfig Config, string Checkpoint) Start(string folder, bool classifierRuns)
    {
        var run = new RunDirectory(folder);
        if (!run.HasConfig)
        {
            throw InvalidSettingException.ForSetting("student", $"{run.Path} holds no pretraining run (run.json): give the folder pipeline-train pretrain wrote.");
        }
        PretrainConfig config = run.ReadConfig();
        if (config.Method is AutoencoderSettings || (!classifierRuns && PretextMethods.TrainsClassifier(config.Method)))
        {
            throw InvalidSettingException.ForSetting("student", $"{run.Path} is a {config.Method.Name} run: the student starts from a simclr or rotation encoder (its h)"
                + (classifierRuns ? ", or a distill or fixmatch run." : "."));
        }
        return (config, run.LatestCheckpoint());
    }

    /// <summary>The settings every student run shares: AdamW with warm-up and cosine decay, a checkpoint every epoch.</summary>
    public static PretrainConfig Config(MethodSettings method, string data, PretrainConfig pretrained, int imageCount, int epochs, int batchSize, int seed,
        double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(pretrained);
        long stepsPerEpoch = (imageCount + batchSize - 1) / batchSize;
        return new PretrainConfig
        {
            Method = method,
            Data = data,
            Encoder = pretrained.Encoder,
            Epochs = epochs,
            BatchSize = batchSize,
            Seed = seed,
            Optimizer = new OptimizerSettings(OptimizerKind.AdamW, learningRate, 0.9, weightDecay,
                OptimizerSettings.DefaultWarmupSteps(epochs * stepsPerEpoch, stepsPerEpoch)),
            CheckpointEvery = (int)stepsPerEpoch,
        };
    }

    /// <summary>
    /// The training images <paramref name="data"/> names, at the input size of the <paramref name="student"/> run's
    /// encoder, telling <paramref name="observer"/> before they are read.
    /// </summary>
    public static ImageSet LoadImages(string data, PretrainConfig student, PretrainJobObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(student);
        observer?.Loading?.Invoke(data);
        EncoderSpec spec = student.Encoder;
        return DatasetLoader.Load(data, new ImageShape(spec.InputChannels, spec.InputHeight, spec.InputWidth), cancellationToken);
    }

    /// <summary>
    /// Throws unless <paramref name="images"/> (the dataset <paramref name="data"/>) has labels for the labelled images
    /// <paramref name="labels"/> names; <paramref name="labelsOptional"/> says whether the advice may be to leave them out.
    /// </summary>
    /// <exception cref="InvalidSettingException">The data has no labels (<see cref="InvalidSettingException.Setting"/> <c>data</c>).</exception>
    public static void RequireLabelledData(ImageSet images, string data, string labels, bool labelsOptional)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Labels is null)
        {
            throw InvalidSettingException.ForSetting("data", name => $"{data} has no labels, so {name("labels")} {labels} has none to learn: "
                + "give labelled data (fashion-mnist:train, or a folder with one subfolder per class)" + (labelsOptional ? $", or leave {name("labels")} out." : "."));
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/>, which reads or resolves the labelled images; a file it cannot read, ids that are not
    /// images of the data, or a text that names no labelled images is an error of the <c>labels</c> setting.
    /// </summary>
    public static T AsLabelsSetting<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (Exception error) when (error is DataFormatException or InvalidSettingException { Setting: null })
        {
            throw InvalidSettingException.ForSetting("labels", error.Message, error);
        }
    }

    /// <summary>
    /// Trains <paramref name="config"/> into <paramref name="run"/> and exports the classifier to the run's
    /// <see cref="RunExport.ClassifierFileName"/> with <paramref name="summary"/> (a JSON object) in its metadata,
    /// telling <paramref name="observer"/> each step, the training's end and the export.
    /// </summary>
    public static StudentRunResult TrainAndExport(PretrainConfig config, ImageSet images, RunDirectory run, bool resume,
        Device device, string summary, PretrainJobObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        PretrainResult training = new Pretrainer(device).Run(config, images, run, resume, observer?.Step, cancellationToken);
        observer?.Trained?.Invoke(training);
        ExportResult export = RunExport.ExportClassifier(run, training.Checkpoint, Path.Combine(run.Path, RunExport.ClassifierFileName), summary,
            cancellationToken);
        observer?.Exported?.Invoke(export);
        return new StudentRunResult(training, export);
    }
}
