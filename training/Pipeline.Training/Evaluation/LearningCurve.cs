using System.Globalization;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Evaluation;

/// <summary>
/// Accuracy along a run — what another epoch, or another hour, of pretraining buys: the evaluations of its checkpoints in
/// <c>eval/curve/step-NNNNNNNN/</c> (<see cref="RunEvaluation.EvaluateAlongRun"/>), each placed at the epoch and the
/// training time its step was reached at (metrics.jsonl; the untrained step 0 of an <c>--epochs 0</c> run at epoch 0, 0 s).
/// </summary>
/// <param name="Points">One per evaluated checkpoint, oldest first.</param>
public sealed record LearningCurve(IReadOnlyList<LearningCurvePoint> Points)
{
    /// <summary>The curve's folder inside the run's <c>eval/</c>.</summary>
    public const string DirectoryName = "curve";

    private const string StepPrefix = "step-";

    /// <summary><c>eval/curve/</c> of <paramref name="run"/>.</summary>
    public static string DirectoryOf(RunDirectory run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Path.Combine(run.EvaluationDirectory, DirectoryName);
    }

    /// <summary>Where the evaluations of the checkpoint of <paramref name="step"/> go: <c>eval/curve/step-NNNNNNNN/</c>.</summary>
    public static string StepDirectory(RunDirectory run, long step) =>
        Path.Combine(DirectoryOf(run), string.Create(CultureInfo.InvariantCulture, $"{StepPrefix}{step:D8}"));

    /// <summary>The curve as the run's <c>eval/curve/</c> holds it; no points when nothing has been evaluated along the run.</summary>
    /// <exception cref="InvalidDataException">
    /// A file there is not an evaluation result, or metrics.jsonl has no line for an evaluated step.
    /// </exception>
    public static LearningCurve Read(RunDirectory run)
    {
        string folder = DirectoryOf(run);
        if (!Directory.Exists(folder))
        {
            return new LearningCurve([]);
        }
        var metrics = new Dictionary<long, StepMetrics>();
        foreach (StepMetrics line in File.Exists(run.MetricsPath) ? MetricsLog.Read(run.MetricsPath) : [])
        {
            metrics[line.Step] = line;
        }
        var points = new List<LearningCurvePoint>();
        foreach (string stepFolder in Directory.EnumerateDirectories(folder, StepPrefix + "*"))
        {
            if (!long.TryParse(Path.GetFileName(stepFolder).AsSpan(StepPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            {
                continue;
            }
            IReadOnlyList<EvaluationResult> results = StoredEvaluations.Read(stepFolder).Accuracies;
            if (results.Count == 0)
            {
                continue;
            }
            if (step == 0)
            {
                points.Add(new LearningCurvePoint(0, 0, 0, Ordered(results)));
                continue;
            }
            if (!metrics.TryGetValue(step, out StepMetrics? reached))
            {
                throw new InvalidDataException(
                    $"{stepFolder} evaluates step {step}, which {run.MetricsPath} does not log: the curve cannot place it in time. Delete the folder, or evaluate the run's own checkpoints again.");
            }
            points.Add(new LearningCurvePoint(step, reached.Epoch, reached.ElapsedSeconds, Ordered(results)));
        }
        return new LearningCurve([.. points.OrderBy(point => point.Step)]);
    }

    private static EvaluationResult[] Ordered(IEnumerable<EvaluationResult> results) =>
        [.. results.OrderBy(result => result.Protocol, StringComparer.Ordinal).ThenBy(result => result.LabelledImages)];

    /// <summary>
    /// The figures the curve follows, as <c>protocol labels</c> (<c>linear 1%</c>), by protocol and then from fewest labels.
    /// </summary>
    public IReadOnlyList<string> Figures() =>
        [.. Ordered(Points.SelectMany(point => point.Results)).Select(FigureName).Distinct()];

    /// <summary>The name of a result's series on the curve: <c>protocol labels</c>.</summary>
    public static string FigureName(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return $"{result.Protocol} {result.Labels}";
    }
}
