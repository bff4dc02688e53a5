using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Storage;

namespace Pipeline.Training.Cli.Nightly;

/// <summary>The <c>nightly</c> verb: <see cref="NightlyJob"/> from a configuration file, with exit codes a scheduler can act on.</summary>
public static class NightlyCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "The nightly configuration (nightly.json): registry, model, pretrain options, evaluation, promotion margin.",
            Required = true,
        };
        var command = new Command("nightly",
            "Pretrain, evaluate, export, publish and maybe promote one candidate; resumes its own interrupted run. Exit codes: 0 done, 1 failed, 2 invalid configuration, 3 another run holds the lease, 4 diverged, 5 parity failed, 75 store unreachable, 130 cancelled.")
        {
            config,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(() =>
        {
            NightlyConfig nightly = NightlyConfig.Load(parse.GetValue(config)!);
            return new NightlyJob(nightly, ArtifactStoreUri.Open(nightly.Registry)).RunAsync(cancellationToken);
        }));
        return command;
    }
}
