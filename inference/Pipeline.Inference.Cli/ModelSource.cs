using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Inference.Registry;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Cli;

/// <summary>
/// Where a verb's model comes from: <c>--model</c> is a file, or <c>registry:NAME@ALIAS|NAME@VERSION</c> in the registry
/// <c>--registry</c>, pulled (and verified) into the cache <c>--cache</c> before ONNX Runtime loads it.
/// </summary>
public sealed class ModelSource
{
    /// <summary>The prefix that makes <c>--model</c> a registry reference.</summary>
    public const string RegistryScheme = "registry:";

    public ModelSource()
    {
        Model = ModelOptions.Model();
        Model.Description = $"The encoder.onnx written by pipeline-train export, or {RegistryScheme}NAME@ALIAS / {RegistryScheme}NAME@VERSION from --registry.";
        Model.Validators.Add(result =>
        {
            string text = result.GetValueOrDefault<string>() ?? "";
            if (text.StartsWith(RegistryScheme, StringComparison.Ordinal))
            {
                ModelReferenceOption.Check(text[RegistryScheme.Length..], result.AddError);
            }
        });
        Registry = RegistryOptions.Registry();
        Cache = new Option<string?>("--cache")
        {
            Description = $"Where registry models are pulled to (default {RegistryModelCache.DefaultDirectory}).",
        };
    }

    public Option<string> Model { get; }

    public Option<string> Registry { get; }

    public Option<string?> Cache { get; }

    /// <summary>The three options, to add to a command.</summary>
    public IEnumerable<Option> Options => [Model, Registry, Cache];

    /// <summary>
    /// The local file the parsed options name; a registry model is resolved, pulled when the cache lacks it, and
    /// comes with the SHA-256 its manifest lists.
    /// </summary>
    public async Task<ResolvedModel> ResolveAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string model = parse.GetValue(Model)!;
        if (!model.StartsWith(RegistryScheme, StringComparison.Ordinal))
        {
            return new ResolvedModel(model, null, null, null);
        }
        var reference = ModelReference.Parse(model[RegistryScheme.Length..]);
        var cache = new RegistryModelCache(RegistryOptions.Open(parse, Registry), parse.GetValue(Cache) ?? RegistryModelCache.DefaultDirectory);
        // The alias's ETag is read before the alias is resolved: should it move in between, the next check sees a new ETag.
        string? etag = reference.Alias is { } alias
            ? await cache.Registry.GetAliasETagAsync(reference.Name, alias, cancellationToken).ConfigureAwait(false)
            : null;
        CachedModel cached = await cache.GetAsync(reference, cancellationToken).ConfigureAwait(false);
        Console.Error.WriteLine($"{reference} is {cached.Version}: {cached.Path}");
        return new ResolvedModel(cached.Path, cached.Sha256, cached, etag) { Cache = cache };
    }
}
