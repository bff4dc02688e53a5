using System.CommandLine;
using Pipeline.Cli;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Training.Devices;
using Pipeline.Training.Evaluation;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>The <c>evaluate</c> verb: kNN and linear-probe accuracy of a run's frozen embeddings, and a VAE's test ELBO.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run")
        {
            Description = "Run folder written by pretrain.",
            Required = true,
        };
        var protocols = new Option<string[]>("--protocol")
        {
            Description = "knn (cosine, temperature-weighted votes), linear (logistic regression probe) and/or elbo (a vae's test ELBO in nats per image; ignores --labels).",
            DefaultValueFactory = _ => ["knn"],
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnlyFromAmong([.. Enum.GetNames<EvaluationProtocol>().Select(name => name.ToLowerInvariant())]);
        var labels = new Option<string[]>("--labels")
        {
            Description = "Labelled training images the classifier may use, class-balanced: 1%, 10%, 100% or a count; several allowed.",
            DefaultValueFactory = _ => ["100%"],
            AllowMultipleArgumentsPerToken = true,
        };
        labels.Validators.Add(result =>
        {
            foreach (string value in result.GetValueOrDefault<string[]>() ?? [])
            {
                try
                {
                    LabelFraction.Parse(value);
                }
                catch (FormatException error)
                {
                    result.AddError(error.Message);
                }
            }
        });
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Checkpoint file to evaluate (default: the run's newest).",
        };
        var trainData = new Option<string?>("--train-data")
        {
            Description = "Labelled images for the classifier (default: the run's training data, all of it).",
        };
        var testData = new Option<string?>("--test-data")
        {
            Description = "Images to score (default: fashion-mnist:test for Fashion-MNIST runs).",
        };
        var k = OptionRules.Positive(new Option<int>("--k")
        {
            Description = "kNN: neighbours that vote.",
            DefaultValueFactory = _ => 200,
        });
        var knnTemperature = OptionRules.PositiveNumber(new Option<double?>("--knn-temperature")
        {
            Description = "kNN: temperature T of the vote weights exp(similarity / T) (default 0.1).",
        });
        var probeSteps = OptionRules.Positive(new Option<int>("--probe-steps")
        {
            Description = "Linear probe: full-batch optimisation steps.",
            DefaultValueFactory = _ => 1000,
        });
        var samples = OptionRules.Positive(new Option<int>("--samples")
        {
            Description = "elbo: samples of z per image for the reconstruction term (the KL term is exact).",
            DefaultValueFactory = _ => 1,
        });
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var threads = SharedOptions.Threads();
        var json = new Option<bool>("--json")
        {
            Description = "Print each result as one JSON object per line (with an accuracy field) instead of text.",
        };

        var command = new Command("evaluate", "Score a run's frozen embeddings with kNN and/or a linear probe at some label fractions, or a vae's test ELBO.")
        {
            run, protocols, labels, checkpoint, trainData, testData, k, knnTemperature, probeSteps, samples, seed, device, threads, json,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            SharedOptions.ApplyThreads(parse.GetValue(threads));
            var runDirectory = new RunDirectory(parse.GetValue(run)!);
            PretrainConfig config = runDirectory.ReadConfig();
            string train = parse.GetValue(trainData) ?? config.Data;
            string test = parse.GetValue(testData) ?? RunEvaluation.DefaultTestData(config.Data);
            EvaluationProtocol[] chosen = parse.GetValue(protocols)!.Distinct()
                .Select(protocol => Enum.Parse<EvaluationProtocol>(protocol, ignoreCase: true)).ToArray();
            var evaluations = (
                from protocol in chosen.Where(protocol => protocol != EvaluationProtocol.Elbo)
                from fraction in parse.GetValue(labels)!.Distinct()
                select (protocol, LabelFraction.Parse(fraction))).ToArray();
            var torchDevice = TrainingDevice.Resolve(parse.GetValue(device)!);

            if (chosen.Contains(EvaluationProtocol.Elbo))
            {
                ElboResult elbo = RunEvaluation.EvaluateElbo(runDirectory, parse.GetValue(checkpoint), test, parse.GetValue(samples),
                    parse.GetValue(seed), torchDevice, cancellationToken: cancellationToken);
                Console.WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(elbo, RunDirectory.JsonLineOptions)
                    : $"elbo {elbo.Elbo:F2} nats per image (reconstruction {elbo.Reconstruction:F2} + KL {elbo.Kl:F2}, {elbo.Likelihood}, {elbo.Samples} sample{(elbo.Samples == 1 ? "" : "s")} of z) on {elbo.TestImages} images of {elbo.TestData} (step {elbo.Step}, {elbo.Seconds:F1} s)");
            }
            if (evaluations.Length == 0)
            {
                return Task.FromResult(0);
            }
            IReadOnlyList<EvaluationResult> results = RunEvaluation.Evaluate(
                runDirectory, parse.GetValue(checkpoint), train, test, evaluations, parse.GetValue(seed), torchDevice,
                new KnnClassifier(parse.GetValue(k), parse.GetValue(knnTemperature) ?? 0.1),
                new LinearProbe(parse.GetValue(probeSteps)),
                cancellationToken);
            foreach (EvaluationResult result in results)
            {
                Console.WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(result, RunDirectory.JsonLineOptions)
                    : $"{result.Protocol} accuracy with {result.Labels} labels ({result.LabelledImages} images): {result.Accuracy:P2} on {result.TestImages} images of {result.TestData} (step {result.Step}, {result.Seconds:F1} s)");
            }
            return Task.FromResult(0);
        }));
        return command;
    }
}
