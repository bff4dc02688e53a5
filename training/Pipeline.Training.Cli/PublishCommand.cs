using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Cli;

/// <summary>The <c>publish</c> verb: a run's exported encoder, config, evaluations and report as the next version of a model in the registry.</summary>
public static class PublishCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run")
        {
            Description = "Run folder written by pretrain, with its encoder.onnx exported.",
            Required = true,
        };
        var registry = RegistryOptions.Registry();
        var name = new Option<string>("--name")
        {
            Description = "The model's name in the registry (lower case: letters, digits, '.', '_', '-').",
            Required = true,
        };
        var aliases = new Option<string[]>("--alias")
        {
            Description = "Aliases to move to the new version, unless they name a newer one already.",
            DefaultValueFactory = _ => [ModelNames.Latest],
            AllowMultipleArgumentsPerToken = true,
        };

        var command = new Command("publish", "Publish a run's encoder.onnx, run.json, eval/ and report/ as a new, immutable version of a model in the registry.")
        {
            run, registry, name, aliases,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ModelRegistry models = RegistryOptions.OpenOrCreate(parse, registry);
            PublishRequest request = RunPublication.Request(new RunDirectory(parse.GetValue(run)!), parse.GetValue(name)!, parse.GetValue(aliases)!);
            PublishedModel published = await models.PublishAsync(request, cancellationToken);
            ModelManifest manifest = published.Manifest;
            Console.WriteLine(
                $"published {published.Reference} to {models.Store.Location}: {manifest.Files.Count} files, {ByteSize.Format(manifest.TotalSize)}"
                + (published.Aliases.Count > 0 ? $"; {string.Join(", ", published.Aliases)} → {manifest.Version}" : ""));
            return 0;
        }));
        return command;
    }
}
