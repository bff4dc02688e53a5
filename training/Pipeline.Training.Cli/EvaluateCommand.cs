using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Runs;
using Pipeline.Training.Devices;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>The <c>evaluate</c> verb: kNN and linear-probe accuracy of a run's frozen embeddings, and a VAE's test ELBO.</summary>
public sealed class EvaluateCommand
{
    private readonly Option<string?> _run = new Option<string?>("--run")
    {
        Description = "Run folder written by pretrain, whose encoder embeds the images (not with --representation pixels).",
    };
    private readonly Option<string> _representation = new Option<string>("--representation")
    {
        Description = "What the classifiers score: encoder (the run's frozen embeddings) or pixels (the raw-pixel baseline: flattened pixels standardised per position with the training images' statistics; no --run, results printed, not stored).",
        DefaultValueFactory = _ => "encoder",
    }.AcceptOnlyFromAmong("encoder", "pixels");
    private readonly Option<string[]> _protocols = new Option<string[]>("--protocol")
    {
        Description = "knn (cosine, temperature-weighted votes), linear (logistic regression probe) and/or elbo (a vae's test ELBO in nats per image; ignores --labels).",
        DefaultValueFactory = _ => ["knn"],
        AllowMultipleArgumentsPerToken = true,
    }.AcceptOnlyFromAmong([.. Enum.GetNames<EvaluationProtocol>().Select(name => name.ToLowerInvariant())]);
    private readonly Option<string[]> _labels = new Option<string[]>("--labels")
    {
        Description = "Labelled training images the classifier may use, class-balanced: 1%, 10%, 100% or a count; several allowed.",
        DefaultValueFactory = _ => ["100%"],
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<string?> _checkpoint = new Option<string?>("--checkpoint")
    {
        Description = "Checkpoint file to evaluate (default: the run's newest).",
    };
    private readonly Option<bool> _everyCheckpoint = new Option<bool>("--every-checkpoint")
    {
        Description = "Score every kept checkpoint, oldest first, into eval/curve/: the learning curve the report draws (accuracy against epochs and training time). "
            + "A checkpoint already scored the same way is skipped, so an interrupted call continues.",
    };
    private readonly Option<string?> _trainData = OptionRules.ParsedBy(new Option<string?>("--train-data")
    {
        Description = $"Labelled images for the classifier: {DatasetUri.AcceptedForms} (default: the run's training data, all of it; with --representation pixels, fashion-mnist:train).",
    }, DatasetUri.Parse);
    private readonly Option<string?> _testData = OptionRules.ParsedBy(new Option<string?>("--test-data")
    {
        Description = $"Images to score: {DatasetUri.AcceptedForms} (default: fashion-mnist:test for Fashion-MNIST runs).",
    }, DatasetUri.Parse);
    private readonly Option<int> _k = OptionRules.Positive(new Option<int>("--k")
    {
        Description = "kNN: neighbours that vote.",
        DefaultValueFactory = _ => 200,
    });
    private readonly Option<double?> _knnTemperature = OptionRules.Positive(new Option<double?>("--knn-temperature")
    {
        Description = "kNN: temperature T of the vote weights exp(similarity / T) (default 0.1).",
    });
    private readonly Option<int> _probeSteps = OptionRules.Positive(new Option<int>("--probe-steps")
    {
        Description = "Linear probe: full-batch optimisation steps.",
        DefaultValueFactory = _ => 1000,
    });
    private readonly Option<int> _samples = OptionRules.Positive(new Option<int>("--samples")
    {
        Description = "elbo: samples of z per image for the reconstruction term (the KL term is exact).",
        DefaultValueFactory = _ => 1,
    });
    private readonly Option<int> _seed = SharedOptions.Seed();
    private readonly Option<string> _device = SharedOptions.Device();
    private readonly Option<int> _threads = SharedOptions.Threads();
    private readonly Option<bool> _tune = new Option<bool>("--tune")
    {
        Description = "Choose kNN's k (5, 10, 20, 50, 100, 200) and the probe's C (0.01 … 100) by accuracy on a stratified 20% of the labelled images, "
            + "then fit on all of them: each representation, pixels included, scored with its own best settings.",
    };
    private readonly Option<string?> _predictions = new Option<string?>("--predictions")
    {
        Description = "Folder (created if missing) to write each test image's predicted class into, for every knn and linear result, the run's or pixels': "
            + "<protocol>-<labels>.csv (knn-100pct.csv) with the columns index,label,prediction, one row per test image in test-set order, "
            + "so that two representations can be paired image by image (McNemar's test). Not with --every-checkpoint; elbo has none.",
    };
    private readonly Option<bool> _json = new Option<bool>("--json")
    {
        Description = "Print each result as one JSON object per line (with an accuracy field) instead of text.",
    };

    private EvaluateCommand()
    {
        _labels.Validators.Add(result =>
        {
            foreach (string value in result.GetValueOrDefault<string[]>() ?? [])
            {
                try
                {
                    LabelFraction.Parse(value);
                }
                catch (InvalidSettingException error)
                {
                    result.AddError($"{_labels.Name}: {error.Message}");
                }
            }
        });
    }

    public static Command Create() => new EvaluateCommand().Build();

    private Command Build()
    {
        var command = new Command("evaluate", "Score a run's frozen embeddings with kNN and/or a linear probe at some label fractions, or a vae's test ELBO.")
        {
            _run, _representation, _protocols, _labels, _checkpoint, _everyCheckpoint, _trainData, _testData, _k, _knnTemperature, _probeSteps, _tune,
            _samples, _seed, _device, _threads, _predictions, _json,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() => Task.FromResult(Run(parse, cancellationToken))));
        return command;
    }

    private int Run(ParseResult parse, CancellationToken cancellationToken)
    {
        SharedOptions.ApplyThreads(parse.GetValue(_threads));
        EvaluationProtocol[] chosen = parse.GetValue(_protocols)!.Distinct()
            .Select(protocol => Enum.Parse<EvaluationProtocol>(protocol, ignoreCase: true)).ToArray();
        LabelFraction[] fractions = parse.GetValue(_labels)!.Distinct().Select(LabelFraction.Parse).ToArray();
        var evaluations = (
            from protocol in chosen.Where(protocol => protocol != EvaluationProtocol.Elbo)
            from fraction in fractions
            select (protocol, fraction)).ToArray();
        var classifiers = new EvaluationClassifiers(
            new KnnClassifier(parse.GetValue(_k), parse.GetValue(_knnTemperature) ?? 0.1), new LinearProbe(parse.GetValue(_probeSteps)), parse.GetValue(_tune));
        if (classifiers.Tune && parse.GetResult(_k) is { Implicit: false })
        {
            throw new UsageException("--k fixes kNN's k and --tune chooses it: give one of them.");
        }
        string? predictions = parse.GetValue(_predictions);
        if (predictions is not null)
        {
            RequirePredictionsApply(parse, predictions, evaluations);
        }
        bool asJson = parse.GetValue(_json);
        if (parse.GetValue(_representation) == "pixels")
        {
            EvaluatePixels(parse, chosen, evaluations, classifiers, asJson, cancellationToken);
        }
        else
        {
            EvaluateRun(parse, chosen, evaluations, classifiers, asJson, cancellationToken);
        }
        return 0;
    }

    // --predictions writes one evaluation's predictions per (protocol, fraction): refused where there is no such evaluation.
    private void RequirePredictionsApply(ParseResult parse, string predictions, (EvaluationProtocol, LabelFraction)[] evaluations)
    {
        if (parse.GetValue(_everyCheckpoint))
        {
            throw new UsageException(
                "--predictions writes the predictions of one checkpoint and --every-checkpoint scores all of them: give one of them.");
        }
        if (evaluations.Length == 0)
        {
            throw new UsageException(
                "--predictions writes the classes knn and linear predict, and --protocol elbo predicts none: add --protocol knn or linear, or leave --predictions out.");
        }
        if (File.Exists(predictions))
        {
            throw new UsageException($"--predictions {predictions} is a file: give a folder to write the predictions into.");
        }
    }

    // --representation pixels: the raw-pixel baseline, printed only (and its predictions written with --predictions).
    private void EvaluatePixels(ParseResult parse, EvaluationProtocol[] chosen, (EvaluationProtocol, LabelFraction)[] evaluations,
        EvaluationClassifiers classifiers, bool asJson, CancellationToken cancellationToken)
    {
        foreach (Option runOption in new Option[] { _run, _checkpoint, _everyCheckpoint })
        {
            if (parse.GetResult(runOption) is { Implicit: false })
            {
                throw new UsageException(
                    $"{runOption.Name} chooses an encoder, and --representation pixels scores the raw pixels without one: leave {runOption.Name} out, or drop --representation pixels.");
            }
        }
        if (chosen.Contains(EvaluationProtocol.Elbo))
        {
            throw new UsageException("--protocol elbo scores a vae run, and pixels have no ELBO: use knn or linear with --representation pixels.");
        }
        string pixelTrain = parse.GetValue(_trainData) ?? new DatasetUri.FashionMnist(FashionMnistSplit.Train).ToString();
        Print(PixelBaseline.Evaluate(pixelTrain, parse.GetValue(_testData) ?? RunEvaluation.DefaultTestData(pixelTrain),
            evaluations, parse.GetValue(_seed), classifiers, parse.GetValue(_predictions), cancellationToken), asJson);
    }

    // A run's checkpoint (or every one, along the run): the ELBO and/or the classifiers' accuracies.
    private void EvaluateRun(ParseResult parse, EvaluationProtocol[] chosen, (EvaluationProtocol, LabelFraction)[] evaluations,
        EvaluationClassifiers classifiers, bool asJson, CancellationToken cancellationToken)
    {
        bool alongRun = parse.GetValue(_everyCheckpoint);
        if (alongRun && parse.GetResult(_checkpoint) is { Implicit: false })
        {
            throw new UsageException("--checkpoint scores one checkpoint and --every-checkpoint all of them: give one of them.");
        }
        if (alongRun && chosen.Contains(EvaluationProtocol.Elbo))
        {
            throw new UsageException("--every-checkpoint draws accuracies along the run, and --protocol elbo is not one: use knn and/or linear with it.");
        }

        var runDirectory = new RunDirectory(parse.GetValue(_run)
            ?? throw new UsageException("--run is required: the run folder written by pretrain (or --representation pixels for the raw-pixel baseline)."));
        PretrainConfig config = runDirectory.ReadConfig();
        string train = parse.GetValue(_trainData) ?? config.Data;
        string test = parse.GetValue(_testData) ?? RunEvaluation.DefaultTestData(config.Data);
        var torchDevice = TrainingDevice.Resolve(parse.GetValue(_device)!);
        int seed = parse.GetValue(_seed);

        if (chosen.Contains(EvaluationProtocol.Elbo))
        {
            ElboResult elbo = OptionErrors.Named(() => RunEvaluation.EvaluateElbo(runDirectory, parse.GetValue(_checkpoint), test, parse.GetValue(_samples),
                seed, torchDevice, cancellationToken: cancellationToken));
            Console.WriteLine(asJson
                ? RunJson.OneLine(elbo, RunJson.CamelCase)
                : $"elbo {elbo.Elbo:F2} nats per image (reconstruction {elbo.Reconstruction:F2} + KL {elbo.Kl:F2}, {elbo.Likelihood}, {elbo.Samples} sample{(elbo.Samples == 1 ? "" : "s")} of z) on {elbo.TestImages} images of {elbo.TestData} (step {elbo.Step}, {elbo.Seconds:F1} s)");
        }
        if (evaluations.Length == 0)
        {
            return;
        }
        if (alongRun)
        {
            LearningCurve curve = RunEvaluation.EvaluateAlongRun(runDirectory, train, test, evaluations, seed, torchDevice,
                classifiers, new SynchronousProgress<IReadOnlyList<EvaluationResult>>(results => Print(results, asJson)), cancellationToken);
            if (!asJson)
            {
                Console.WriteLine($"{curve.Points.Count} checkpoint{(curve.Points.Count == 1 ? "" : "s")} on the learning curve in {LearningCurve.DirectoryOf(runDirectory)}; pipeline-train report --run {runDirectory.Path} draws it.");
            }
            return;
        }
        Print(RunEvaluation.Evaluate(runDirectory, parse.GetValue(_checkpoint), train, test, evaluations, seed, torchDevice, classifiers,
            parse.GetValue(_predictions), cancellationToken), asJson);
    }

    /// <summary>Each result on one line, as text or as one JSON object.</summary>
    internal static void Print(IReadOnlyList<EvaluationResult> results, bool asJson)
    {
        foreach (EvaluationResult result in results)
        {
            string subject = result.Checkpoint is null ? result.Method : $"step {result.Step}";
            Console.WriteLine(asJson
                ? RunJson.OneLine(result, RunJson.CamelCase)
                : $"{result.Protocol} accuracy with {result.Labels} labels ({result.LabelledImages} images): {result.Accuracy:P2} on {result.TestImages} images of {result.TestData} ({subject}, {result.Seconds:F1} s)");
        }
    }
}
