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

    /// <summary>The registry the parsed option names.</summary>
    /// <exception cref="FormatException">The URI is none of the accepted forms.</exception>
    public static ModelRegistry Open(ParseResult parse, Option<string> registry)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new ModelRegistry(ArtifactStoreUri.Open(parse.GetValue(registry)!));
    }
}
