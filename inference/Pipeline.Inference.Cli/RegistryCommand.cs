using System.CommandLine;
using System.Globalization;
using System.Text;
using Pipeline.Cli;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Cli;

/// <summary>The <c>registry</c> verbs: list models and versions, show a manifest, promote an alias, delete a version.</summary>
public static class RegistryCommand
{
    public static Command Create() => new("registry", "Look into and manage the model registry.")
    {
        List(),
        Show(),
        Promote(),
        Delete(),
    };

    private static Command List()
    {
        var registry = RegistryOptions.Registry();
        var name = new Argument<string?>("NAME")
        {
            Description = "A model: list its versions with their metrics and aliases (default: list the models).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("list", "List the models, or one model's versions: created, size, run, precisions, metrics, aliases.") { registry, name };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ModelRegistry models = RegistryOptions.Open(parse, registry);
            string? model = parse.GetValue(name);
            Console.Write(model is null
                ? await DescribeModelsAsync(models, cancellationToken)
                : DescribeVersions(await models.ListVersionsAsync(model, cancellationToken)));
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var registry = RegistryOptions.Registry();
        var model = ModelReferenceOption.Argument("MODEL", "NAME@ALIAS, NAME@VERSION or NAME (for NAME@latest).");
        var command = new Command("show", "Print a version's manifest: files with sizes and SHA-256, precision variants, metrics, lineage.") { registry, model };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ModelRegistry models = RegistryOptions.Open(parse, registry);
            ModelManifest manifest = await models.GetManifestAsync(ModelReference.Parse(parse.GetValue(model)!), cancellationToken);
            Console.WriteLine(Encoding.UTF8.GetString(manifest.ToJson()));
            return 0;
        }));
        return command;
    }

    private static Command Promote()
    {
        var registry = RegistryOptions.Registry();
        var model = ModelReferenceOption.Argument("MODEL", "The version to promote: NAME@VERSION, or NAME@ALIAS for the version an alias names.");
        var alias = new Option<string>("--alias")
        {
            Description = "The alias to move.",
            DefaultValueFactory = _ => ModelNames.Champion,
        };
        var expect = new Option<string?>("--expect")
        {
            Description = "Only if the alias names this version now (vN): refuses when another writer moved it meanwhile.",
        };
        expect.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !ModelVersion.TryParse(text, out _))
            {
                result.AddError($"--expect takes a version such as v3, not '{text}'.");
            }
        });
        var command = new Command("promote", "Point an alias (default: champion) at a version; concurrent promotions never lose an update.")
        {
            registry, model, alias, expect,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            ModelRegistry models = RegistryOptions.Open(parse, registry);
            ModelVersion? expected = parse.GetValue(expect) is { } text ? ModelVersion.Parse(text) : null;
            ModelAlias moved = await models.PromoteAsync(ModelReference.Parse(parse.GetValue(model)!), parse.GetValue(alias)!, expected,
                cancellationToken);
            string before = moved.History.Count > 1 ? moved.History[1].Version.ToString() : "nothing";
            Console.WriteLine($"{moved.Name}@{moved.Alias} → {moved.Version} (was {before})");
            return 0;
        }));
        return command;
    }

    private static Command Delete()
    {
        var registry = RegistryOptions.Registry();
        var model = ModelReferenceOption.Argument("MODEL", "The version to delete: NAME@VERSION (a version an alias names is refused without --force).");
        var force = new Option<bool>("--force")
        {
            Description = "Delete the version even if aliases name it, and delete those aliases.",
        };
        var command = new Command("delete", "Delete a version (published, or the orphan files of an abandoned publish).") { registry, model, force };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var reference = ModelReference.Parse(parse.GetValue(model)!);
            if (reference.Version is not { } version)
            {
                throw new UsageException($"delete takes NAME@VERSION, not the alias {reference}: aliases move, so name the version itself.");
            }
            ModelRegistry models = RegistryOptions.Open(parse, registry);
            IReadOnlyList<string> aliases = await models.DeleteVersionAsync(reference.Name, version, parse.GetValue(force), cancellationToken);
            Console.WriteLine($"deleted {reference}" + (aliases.Count > 0 ? $" and its aliases {string.Join(", ", aliases)}" : ""));
            return 0;
        }));
        return command;
    }

    private static async Task<string> DescribeModelsAsync(ModelRegistry models, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> names = await models.ListModelsAsync(cancellationToken);
        if (names.Count == 0)
        {
            return $"no models in {models.Store.Location}\n";
        }
        var text = new StringBuilder();
        foreach (string name in names)
        {
            IReadOnlyList<ModelAlias> aliases = await models.ListAliasesAsync(name, cancellationToken);
            text.Append(name).Append("  ").AppendJoin(", ", aliases.Select(alias => $"{alias.Alias} → {alias.Version}")).Append('\n');
        }
        return text.ToString();
    }

    private static string DescribeVersions(IReadOnlyList<ModelVersionSummary> versions)
    {
        var text = new StringBuilder();
        foreach (ModelVersionSummary version in versions)
        {
            if (version.Manifest is not { } manifest)
            {
                text.Append(CultureInfo.InvariantCulture, $"{version.Version,-6} (unpublished: an abandoned publish's files; registry delete removes them)\n");
                continue;
            }
            IEnumerable<string> metrics = manifest.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal)
                .Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}={m.Value:0.####}"));
            IEnumerable<string> aliases = version.Aliases.Count > 0 ? [$"[{string.Join(", ", version.Aliases)}]"] : [];
            text.AppendJoin("  ", [
                string.Create(CultureInfo.InvariantCulture, $"{version.Version,-6} {manifest.CreatedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z"),
                $"{ByteSize.Format(manifest.TotalSize),10}", $"run {manifest.Lineage.Run}", string.Join("+", manifest.Precisions), .. metrics, .. aliases]).Append('\n');
        }
        return text.ToString();
    }
}
