using System.CommandLine;
using System.Text.Json;
using Onnx;
using Pipeline.Data;
using Pipeline.Inference;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;
using Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// A model beside its precision variants (pipeline-infer quantize): file size, embeddings per second through
/// <see cref="EmbeddingModel"/> at each batch size on the same threads (rounds alternate between the models, so a busy
/// machine slows them alike; the median round is kept), and optionally the accuracy of kNN and the linear probe on
/// their Fashion-MNIST embeddings by the evaluation protocol of pipeline-train evaluate.
/// </summary>
public static class PrecisionBenchmark
{
    public static Command Create()
    {
        var models = new Option<string[]>("--models")
        {
            Description = "The float32 model first, then its variants.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var batchSizes = new Option<int[]>("--batch-sizes") { Description = "Batch sizes to time.", DefaultValueFactory = _ => [1, 64], AllowMultipleArgumentsPerToken = true };
        var seconds = new Option<double>("--seconds") { Description = "Timed seconds per model, batch size and round.", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds over the models; the median is kept.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime's intra-op threads, the same for every model.", DefaultValueFactory = _ => 1 };
        var accuracy = new Option<string[]>("--accuracy")
        {
            Description = "Score each model's embeddings of fashion-mnist train/test with these protocol-fraction pairs, such as knn-100% linear-1%.",
            DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("precision", "Size, embeddings/s and accuracy of a model and its int8/fp16 variants; one JSON object.")
        {
            models, batchSizes, seconds, rounds, threads, accuracy,
        };
        command.SetAction(parse =>
        {
            string[] paths = parse.GetValue(models)!;
            var rows = paths.Select(path => new Dictionary<string, object>
            {
                ["model"] = path,
                ["precision"] = Precision(path),
                ["bytes"] = new FileInfo(path).Length,
            }).ToArray();
            int threadCount = parse.GetValue(threads);
            foreach ((Dictionary<string, object> row, double[] rates) in rows.Zip(Speeds(paths, parse.GetValue(batchSizes)!, parse.GetValue(seconds), parse.GetValue(rounds), threadCount)))
            {
                row["embeddings_per_second"] = parse.GetValue(batchSizes)!.Zip(rates).ToDictionary(pair => pair.First.ToString(), pair => pair.Second);
            }
            string[] evaluations = parse.GetValue(accuracy)!;
            if (evaluations.Length > 0)
            {
                foreach ((Dictionary<string, object> row, string path) in rows.Zip(paths))
                {
                    row["accuracy"] = Accuracies(path, evaluations);
                }
            }
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["threads"] = threadCount,
                ["onnxruntime"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString() ?? "",
                ["models"] = rows,
            }));
            return 0;
        });
        return command;
    }

    private static string Precision(string path)
    {
        ModelProto model = OnnxModelFile.Read(path);
        var properties = model.MetadataProps.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        return PrecisionMetadata.FromProperties(properties) is { } variant ? PrecisionMetadata.NameOf(variant.Precision) : "fp32";
    }

    // Per model, the median embeddings/s of each batch size over the rounds.
    private static double[][] Speeds(string[] paths, int[] batchSizes, double seconds, int rounds, int threads)
    {
        var options = new EmbeddingModelOptions { ExecutionProvider = ExecutionProvider.Cpu, IntraOpThreads = threads };
        EmbeddingModel[] loaded = paths.Select(path => EmbeddingModel.Load(path, options)).ToArray();
        try
        {
            ImageSet images = FashionMnist.Load(FashionMnistSplit.Test).Take(batchSizes.Max());
            float[] pixels = new float[images.Pixels.Length];
            PixelScaling.ToUnitRange(images.Pixels, pixels);
            var measured = loaded.Select(_ => batchSizes.Select(_ => new List<double>()).ToArray()).ToArray();
            for (int round = 0; round < rounds; round++)
            {
                for (int m = 0; m < loaded.Length; m++)
                {
                    for (int b = 0; b < batchSizes.Length; b++)
                    {
                        EmbeddingModel model = loaded[m];
                        int batch = batchSizes[b];
                        ReadOnlyMemory<float> input = pixels.AsMemory(0, batch * model.InputShape.Size);
                        float[] embeddings = new float[batch * model.EmbeddingDim];
                        (double rate, _) = Throughput.Measure(seconds, batch, () => model.Embed(input, embeddings));
                        measured[m][b].Add(rate);
                        Console.Error.WriteLine($"round {round + 1}: {paths[m]} batch {batch}: {rate:F0} embeddings/s");
                    }
                }
            }
            return measured.Select(perBatch => perBatch.Select(rates => rates.Order().ElementAt(rates.Count / 2)).ToArray()).ToArray();
        }
        finally
        {
            foreach (EmbeddingModel model in loaded)
            {
                model.Dispose();
            }
        }
    }

    // pipeline-train evaluate's protocols (default classifiers, seed 0) on the model's embeddings of Fashion-MNIST.
    private static Dictionary<string, double> Accuracies(string path, string[] evaluations)
    {
        using EmbeddingModel model = EmbeddingModel.Load(path, new EmbeddingModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        ImageSet train = FashionMnist.Load(FashionMnistSplit.Train), test = FashionMnist.Load(FashionMnistSplit.Test);
        using var scope = NewDisposeScope();
        Tensor trainEmbeddings = tensor(model.EmbedBytes(train.Pixels, 256)).reshape(train.Count, model.EmbeddingDim);
        Tensor testEmbeddings = tensor(model.EmbedBytes(test.Pixels, 256)).reshape(test.Count, model.EmbeddingDim);
        var classifiers = new EvaluationClassifiers(new KnnClassifier(), new LinearProbe());
        var accuracies = new Dictionary<string, double>();
        foreach (string evaluation in evaluations)
        {
            string[] parts = evaluation.Split('-', 2);
            (double accuracy, _, _) = EmbeddingEvaluation.Score(trainEmbeddings, train.RequireLabels(), testEmbeddings, test.RequireLabels(),
                train.ClassNames.Count, Enum.Parse<EvaluationProtocol>(parts[0], ignoreCase: true), LabelFraction.Parse(parts[1]), 0, classifiers);
            accuracies[evaluation] = accuracy;
            Console.Error.WriteLine($"{path} {evaluation}: {accuracy:P2}");
        }
        return accuracies;
    }
}
