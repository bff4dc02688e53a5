using System.CommandLine;
using Pipeline.Storage;
using Pipeline.Storage.Registry;

namespace Pipeline.Cli;

/// <summary>The <c>--registry</c> option every registry verb takes, on both CLIs, and how its value opens the registry.</summary>
public static class RegistryOptions
{
    public static Option<string> Registry() => OptionRules.ParsedBy(new Option<string>("--registry")
    {
        Description = $"Where the registry is: {ArtifactStoreUri.AcceptedForms}.",
        DefaultValueFactory = _ => ArtifactStoreUri.Default,
    }, ArtifactStoreUri.Parse);

    /// <summary>The registry the parsed option names, to read or change: a <c>file:</c> registry's folder must exist.</summary>
    /// <exception cref="UsageException">The folder of a <c>file:</c> registry does not exist.</exception>
    public static ModelRegistry Open(ParseResult parse, Option<string> registry)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (ArtifactStoreUri.Parse(parse.GetValue(registry)!) is ArtifactStoreUri.FileSystem folder && !Directory.Exists(folder.Path))
        {
            throw new UsageException(
                $"--registry {folder}: the folder {Path.GetFullPath(folder.Path)} does not exist, so there is no registry there (publish creates one).");
        }
        return OpenOrCreate(parse, registry);
    }

    /// <summary>The registry the parsed option names, to publish into: a <c>file:</c> registry's folder is created when missing.</summary>
    public static ModelRegistry OpenOrCreate(ParseResult parse, Option<string> registry)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new ModelRegistry(ArtifactStoreUri.Open(parse.GetValue(registry)!));
    }
}
