using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Inference.Embed;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>pull</c> verb: a model version from the registry into a folder, every file checked against its manifest.</summary>
public static class PullCommand
{
    public static Command Create()
    {
        var registry = RegistryOptions.Registry();
        var model = ModelReferenceOption.Option("--model", "NAME@ALIAS (fashion-simclr@champion), NAME@VERSION (fashion-simclr@v3), or NAME for NAME@latest.");
        var output = new Option<string>("--out")
        {
            Description = "The folder to write the version's files and manifest.json into.",
            Required = true,
        };
        var precision = ModelOptions.Precision("The precision to pull: the reference files, or each one's variant in that precision where the version has it.");
        precision.DefaultValueFactory = _ => FileVariant.ReferencePrecision;

        var command = new Command("pull", "Download a model version from the registry; every file's size and SHA-256 is checked before it is put in place.")
        {
            registry, model, output, precision,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ModelRegistry models = RegistryOptions.Open(parse, registry);
            var reference = ModelReference.Parse(parse.GetValue(model)!);
            PulledModel pulled;
            try
            {
                pulled = await models.PullAsync(reference, parse.GetValue(output)!, parse.GetValue(precision)!, cancellationToken);
            }
            catch (PrecisionNotFoundException error)
            {
                throw new UsageException($"{precision.Name} {error.Precision}: {error.Message} Nothing was pulled.");
            }
            ModelManifest manifest = pulled.Manifest;
            string via = reference.Alias is null ? "" : $" (via {reference})";
            Console.WriteLine(
                $"pulled {manifest.Name}@{manifest.Version}{via}, {pulled.Precision} → {pulled.Directory}: {manifest.Files.Count} files, {ByteSize.Format(manifest.TotalSize)}, SHA-256 verified");
            return 0;
        }));
        return command;
    }
}
