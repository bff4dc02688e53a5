using System.CommandLine;
using System.Text;
using Microsoft.Extensions.Logging;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Errors;
using Pipeline.Inference.Classification;
using Pipeline.Inference.Embed;
using Pipeline.Runs;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>evaluate</c> verb: accuracy, per-class accuracy and the confusion matrix of a fine-tuned classifier on labelled images.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The inference_model.onnx that pipeline-infer finetune wrote.", Required = true };
        var data = OptionRules.ParsedBy(new Option<string>("--data")
        {
            Description = $"Labelled images to score: {DatasetUri.AcceptedForms}; class names must be among the model's.",
            Required = true,
        }, DatasetUri.Parse);
        var json = new Option<bool>("--json") { Description = "Print one JSON object (accuracy, per-class accuracy, confusion matrix) instead of tables." };
        var batchSize = ModelOptions.BatchSize(256);
        var provider = ModelOptions.ExecutionProvider();
        var threads = ModelOptions.Threads();

        var command = new Command("evaluate", "Score a fine-tuned classifier on labelled images.")
        {
            model, data, json, batchSize, provider, threads,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            using ILoggerFactory logging = LoggerFactory.Create(CliLogging.Configure);
            using ImageClassifier classifier = ImageClassifier.Load(parse.GetValue(model)!, ModelOptions.Read(parse, provider, threads),
                logging.CreateLogger("pipeline-infer"));
            ImageSet images = DatasetLoader.Load(parse.GetValue(data)!, classifier.InputShape, cancellationToken);
            int[] actual = ModelLabels(images, classifier.ClassNames);
            var line = new ProgressLine();
            var progress = new SynchronousProgress<int>(done => line.Report((double)done / images.Count, $"{done}/{images.Count} images", done == images.Count));
            int[] predicted = classifier.Predict(images, parse.GetValue(batchSize), progress, cancellationToken);
            var report = ClassificationReport.From(actual, predicted, classifier.ClassNames);
            Console.WriteLine(parse.GetValue(json)
                ? RunJson.OneLine(new Dictionary<string, object>
                {
                    ["model"] = classifier.Source,
                    ["data"] = images.Source,
                    ["accuracy"] = report.Accuracy,
                    ["count"] = report.Count,
                    ["classNames"] = report.ClassNames,
                    ["perClassAccuracy"] = report.PerClassAccuracy,
                    ["confusionMatrix"] = report.ConfusionMatrix,
                }, RunJson.CamelCase)
                : Tables(report, classifier.Source, images.Source));
            return Task.FromResult(0);
        }));
        return command;
    }

    // The data's labels as the model's class indices, matched by class name.
    private static int[] ModelLabels(ImageSet images, IReadOnlyList<string> modelClasses)
    {
        int[] labels = images.RequireLabels();
        int[] map = images.ClassNames.Select(name => modelClasses.ToList().IndexOf(name)).ToArray();
        string[] unknown = images.ClassNames.Where((_, c) => map[c] < 0).ToArray();
        if (unknown.Length > 0)
        {
            throw new UserErrorException(
                $"{images.Source} has classes the model does not know ({string.Join(", ", unknown)}); the model's {modelClasses.Count} classes are "
                + $"{string.Join(", ", modelClasses)}. Score it on data with the same class names.");
        }
        return labels.Select(label => map[label]).ToArray();
    }

    private static string Tables(ClassificationReport report, string model, string data)
    {
        var text = new StringBuilder();
        text.AppendLine($"accuracy {report.Accuracy:P2} on {report.Count} images of {data} ({model})");
        int width = Math.Max(5, report.ClassNames.Max(name => name.Length));
        text.AppendLine();
        text.AppendLine($"{"class".PadRight(width)}  accuracy  images");
        for (int c = 0; c < report.ClassNames.Count; c++)
        {
            string name = report.ClassNames[c];
            double? accuracy = report.PerClassAccuracy[name];
            text.AppendLine($"{name.PadRight(width)}  {(accuracy is { } a ? a.ToString("P1") : "-"),8}  {report.ConfusionMatrix[c].Sum(),6}");
        }
        text.AppendLine();
        text.AppendLine("confusion matrix (rows: actual, columns: predicted, in class order)");
        foreach (int[] row in report.ConfusionMatrix)
        {
            text.AppendLine(string.Join(" ", row.Select(count => count.ToString().PadLeft(5))));
        }
        return text.ToString().TrimEnd();
    }
}
