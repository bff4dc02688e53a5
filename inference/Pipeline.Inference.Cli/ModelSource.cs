using System.CommandLine;
using Pipeline.Cli;
using Pipeline.Inference.Embed;
using Pipeline.Inference.Quantization;
using Pipeline.Inference.Registry;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Cli;

/// <summary>
/// Where a verb's model comes from: <c>--model</c> is a file, or <c>registry:NAME@ALIAS|NAME@VERSION</c> in the registry
/// <c>--registry</c>, pulled (and verified) into the cache <c>--cache</c> before ONNX Runtime loads it; with
/// <c>--precision</c>, the model's variant in that precision.
/// </summary>
public sealed class ModelSource
{
    /// <summary>The prefix that makes <c>--model</c> a registry reference.</summary>
    public const string RegistryScheme = "registry:";

    /// <param name="choosesPrecision">Whether the verb takes <c>--precision</c> to choose a precision variant of the model.</param>
    public ModelSource(bool choosesPrecision = false)
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
        Precision = choosesPrecision
            ? ModelOptions.Precision($"The model's precision variant to use: from a {RegistryScheme} version (default {FileVariant.ReferencePrecision}), "
                + "or beside a --model file (its encoder.int8.onnx beside encoder.onnx, made from it; default: the file as it is).")
            : null;
    }

    public Option<string> Model { get; }

    public Option<string> Registry { get; }

    public Option<string?> Cache { get; }

    /// <summary><c>--precision</c>, when the verb chooses a precision variant.</summary>
    public Option<string?>? Precision { get; }

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> Options => Precision is null ? [Model, Registry, Cache] : [Model, Registry, Cache, Precision];

    /// <summary>
    /// The local file the parsed options name, in the precision asked for; a registry model is resolved, pulled when the
    /// cache lacks it, and comes with the SHA-256 its manifest lists.
    /// </summary>
    /// <exception cref="UsageException">The model has no variant in the precision asked for.</exception>
    public async Task<ResolvedModel> ResolveAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string model = parse.GetValue(Model)!;
        string? precision = Precision is null ? null : parse.GetValue(Precision);
        if (!model.StartsWith(RegistryScheme, StringComparison.Ordinal))
        {
            try
            {
                return new ResolvedModel(precision is null ? model : PrecisionVariantFile.Locate(model, precision), null, null, null);
            }
            catch (Exception error) when (precision is not null && File.Exists(model) && error is InvalidDataException or FileNotFoundException)
            {
                throw new UsageException($"{Precision!.Name} {precision} with {Model.Name} {model}: {error.Message}");
            }
        }
        var reference = ModelReference.Parse(model[RegistryScheme.Length..]);
        var cache = new RegistryModelCache(RegistryOptions.Open(parse, Registry), parse.GetValue(Cache) ?? RegistryModelCache.DefaultDirectory);
        // The alias's ETag is read before the alias is resolved: should it move in between, the next check sees a new ETag.
        string? etag = reference.Alias is { } alias
            ? await cache.Registry.GetAliasETagAsync(reference.Name, alias, cancellationToken).ConfigureAwait(false)
            : null;
        CachedModel cached;
        try
        {
            cached = await cache.GetAsync(reference, precision ?? FileVariant.ReferencePrecision, cancellationToken).ConfigureAwait(false);
        }
        catch (PrecisionNotFoundException error)
        {
            throw new UsageException($"{Precision?.Name} {error.Precision}: {error.Message}");
        }
        Console.Error.WriteLine($"{reference} is {cached.Version} ({cached.Precision}): {cached.Path}");
        return new ResolvedModel(cached.Path, cached.Sha256, cached, etag) { Cache = cache };
    }
}
