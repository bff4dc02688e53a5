using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Storage.Registry;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry;

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

        var variants = new Option<string[]>("--variant")
        {
            Description = "A precision variant of the run's encoder.onnx (pipeline-infer quantize's output), published beside it as encoder.int8.onnx or "
                + "encoder.fp16.onnx; refused unless made from that very encoder.onnx.",
            HelpName = "FILE",
            AllowMultipleArgumentsPerToken = true,
        };

        var publishId = OptionRules.ParsedBy(new Option<string?>("--publish-id")
        {
            Description = "An id of your choosing for this publish (1 to 128 letters, digits, '.', '_', '-'). Run the command again with the same id "
                + "after it failed (exit 75: the store could not be reached) and it completes the version it started instead of publishing a second one.",
            HelpName = "ID",
        }, ModelNames.ValidatePublishId);

        var command = new Command("publish", "Publish a run's encoder.onnx (with its precision variants), run.json, eval/ and report/ as a new, immutable version of a model in the registry.")
        {
            run, registry, name, aliases, variants, publishId,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ModelRegistry models = RegistryOptions.OpenOrCreate(parse, registry);
            PublishedModel published;
            try
            {
                published = await RunPublication.PublishAsync(models, new RunDirectory(parse.GetValue(run)!), parse.GetValue(name)!,
                    parse.GetValue(aliases)!, parse.GetValue(variants) ?? [], parse.GetValue(publishId), cancellationToken);
            }
            catch (PublishVariantException error)
            {
                throw new UsageException($"{variants.Name} {error.Message}");
            }
            ModelManifest manifest = published.Manifest;
            Console.WriteLine(
                $"published {published.Reference} to {models.Store.Location}: {manifest.Files.Count} files, {ByteSize.Format(manifest.TotalSize)}, "
                + string.Join("+", manifest.Precisions)
                + (published.Aliases.Count > 0 ? $"; {string.Join(", ", published.Aliases)} → {manifest.Version}" : ""));
            return 0;
        }));
        return command;
    }
}
