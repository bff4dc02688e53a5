namespace Pipeline.Training.Cli;

/// <summary>
/// What a pipeline-train verb that trains adds to a diverged run's error (<see cref="Pipeline.Cli.CliErrors"/>): the run
/// folder is kept for exactly this, and only the CLI knows its options' names.
/// </summary>
public static class DivergedAdvice
{
    public const string ResumeWithLowerLearningRate = "Run the same command again with --resume and a lower --lr.";
}
