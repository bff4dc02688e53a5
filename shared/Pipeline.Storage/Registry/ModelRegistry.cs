using Pipeline.Runs;
using Polly;
using Polly.Retry;

namespace Pipeline.Storage.Registry;

/// <summary>
/// The model registry: immutable, numbered versions of a model (files + manifest) and movable aliases, in any
/// <see cref="IArtifactStore"/>. Thread-safe; instances on many machines may share a store.
/// </summary>
/// <remarks>
/// <para><b>Versions.</b> A publish takes the next number with a create-only <c>claim.json</c> (a publish that loses
/// the race takes the one after), uploads the files, then writes <c>manifest.json</c> create-only. A version exists
/// for readers exactly when its manifest does, so a publish that dies leaves orphan files that no reader sees and no
/// later publish reuses; <see cref="DeleteVersionAsync"/> removes them. A publish retried with its id
/// (<see cref="PublishRequest.PublishId"/>) goes on with the version it claimed instead.</para>
/// <para><b>Aliases.</b> <c>latest</c> follows publishes, <c>champion</c> follows promotions. Every change reads the
/// alias, then writes it with <c>If-Match</c> (or <c>If-None-Match: *</c> for a new one); a writer that loses the race
/// reads again and retries, so no update is lost. Serving polls <see cref="GetAliasETagAsync"/> (one HEAD) and reads
/// the alias only when its ETag changed.</para>
/// <para><b>Reads.</b> A pull resolves the alias, reads the manifest, and downloads every file to a temporary name,
/// checking its size and SHA-256 before renaming it into place.</para>
/// </remarks>
public sealed class ModelRegistry
{
    // Lost races (a version number taken, an alias moved since it was read) are retried after reading again.
    private static readonly ResiliencePipeline RaceRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<ArtifactConflictException>(),
            MaxRetryAttempts = 16,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromSeconds(1),
        })
        .Build();

    private readonly TimeProvider _time;

    /// <param name="store">Where the registry lives.</param>
    /// <param name="time">The clock of creation and update times (default: the system's).</param>
    public ModelRegistry(IArtifactStore store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        _time = time ?? TimeProvider.System;
    }

    public IArtifactStore Store { get; }

    /// <summary>
    /// Publishes the files of <paramref name="request"/> as the next version of its model, then moves its aliases to it
    /// (an alias that already names a newer version stays).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file to publish does not exist; nothing was written.</exception>
    /// <exception cref="VariantSourceMismatchException">A variant was made from another file than the one it is published beside; nothing was written.</exception>
    /// <exception cref="ArtifactStoreException">
    /// The store failed: the version was not published (orphan files may remain), or, when the failure came as the aliases
    /// moved, it was; retried with the same <see cref="PublishRequest.PublishId"/>, the publish goes on with that version.
    /// </exception>
    public async Task<PublishedModel> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = ModelNames.ValidateModel(request.Name);
        ArgumentNullException.ThrowIfNull(request.Lineage);
        Validate(request);

        var files = new List<ManifestFile>(request.Files.Count);
        foreach (PublishFile file in request.Files)
        {
            if (!File.Exists(file.SourcePath))
            {
                throw new FileNotFoundException($"{file.SourcePath} does not exist: nothing was published.", file.SourcePath);
            }
            FileDigest digest = await FileDigest.OfAsync(file.SourcePath, cancellationToken).ConfigureAwait(false);
            files.Add(new ManifestFile(file.Path, digest.Length, digest.Sha256));
        }
        foreach (FileVariant variant in request.Variants)
        {
            string sourceSha256 = files.Single(file => file.Path == variant.Of).Sha256;
            if (sourceSha256 != variant.SourceSha256)
            {
                throw new VariantSourceMismatchException(variant, sourceSha256);
            }
        }

        var claim = new PublishClaim(request.PublishId ?? Guid.NewGuid().ToString("N"), _time.GetUtcNow(), Environment.MachineName);
        // A retried publish (its id given again) goes on with the version it claimed, and finds it published when it got
        // as far as the manifest before it failed (as the aliases moved): no second version of the same files.
        ModelVersion? resumed = request.PublishId is null ? null : await ClaimedAsync(name, claim.PublishId, cancellationToken).ConfigureAwait(false);
        ModelVersion version = resumed ?? await ClaimVersionAsync(name, claim, cancellationToken).ConfigureAwait(false);
        ModelManifest manifest = (resumed is null ? null : await ReadManifestAsync(name, version, cancellationToken).ConfigureAwait(false))
            ?? await CompleteAsync(name, request, claim, version, files, cancellationToken).ConfigureAwait(false);

        var aliases = new List<string>();
        foreach (string alias in request.Aliases.Distinct(StringComparer.Ordinal))
        {
            ModelAlias moved = await MoveAliasAsync(name, alias,
                current => current is { } held && held.Version > version ? held.Version : version, expected: null, cancellationToken).ConfigureAwait(false);
            if (moved.Version == version)
            {
                aliases.Add(alias);
            }
        }
        return new PublishedModel(manifest, aliases);
    }

    /// <summary>
    /// Downloads the version <paramref name="reference"/> names, in <paramref name="precision"/>
    /// (<see cref="ModelManifest.ForPrecision"/>), into <paramref name="directory"/>, every file verified (size and
    /// SHA-256) before it is renamed into place, then writes the manifest of what it pulled there last: a folder with a
    /// manifest holds every file it lists.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    /// <exception cref="PrecisionNotFoundException">The version has no variant in <paramref name="precision"/>; nothing was written.</exception>
    /// <exception cref="ArtifactIntegrityException">A stored file is not the one the manifest lists; it was not written.</exception>
    public async Task<PulledModel> PullAsync(ModelReference reference, string directory, string precision = FileVariant.ReferencePrecision,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ModelManifest manifest = (await GetManifestAsync(reference, cancellationToken).ConfigureAwait(false)).ForPrecision(precision);
        string folder = Path.GetFullPath(directory);
        Directory.CreateDirectory(folder);
        string manifestPath = Path.Combine(folder, ModelManifest.FileName);
        File.Delete(manifestPath); // until every file is in, the folder describes no version
        var pulled = new PulledModel(manifest, folder, reference, precision);
        foreach (ManifestFile file in manifest.Files)
        {
            await Store.GetFileAsync(RegistryLayout.FileKey(manifest.Name, manifest.Version, file.Path), pulled.PathOf(file.Path),
                file.Digest, cancellationToken).ConfigureAwait(false);
        }
        AtomicFile.Write(manifestPath, stream => stream.Write(manifest.ToJson()));
        return pulled;
    }

    /// <summary>The manifest of the version <paramref name="reference"/> names.</summary>
    /// <exception cref="ModelNotFoundException">The model, version or alias does not exist.</exception>
    public async Task<ModelManifest> GetManifestAsync(ModelReference reference, CancellationToken cancellationToken = default)
    {
        ModelVersion version = await ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        return await ReadManifestAsync(reference.Name, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException(reference.Alias is { } alias
                ? $"{reference} names {version}, which no longer exists in {Store.Location}: promote another version to {alias}."
                : $"{reference} does not exist in {Store.Location}. {await DescribeVersionsAsync(reference.Name, cancellationToken).ConfigureAwait(false)}");
    }

    /// <summary>The version a reference names: itself, or what its alias names now.</summary>
    /// <exception cref="ModelNotFoundException">The alias does not exist.</exception>
    public async Task<ModelVersion> ResolveAsync(ModelReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Version is { } version)
        {
            return version;
        }
        ModelAlias? alias = await ReadAliasAsync(reference.Name, reference.Alias!, cancellationToken).ConfigureAwait(false);
        if (alias is not null)
        {
            return alias.Version;
        }
        IReadOnlyList<ModelAlias> aliases = await ListAliasesAsync(reference.Name, cancellationToken).ConfigureAwait(false);
        throw new ModelNotFoundException(aliases.Count > 0
            ? $"{reference.Name} has no alias '{reference.Alias}' in {Store.Location}; its aliases: {string.Join(", ", aliases.Select(a => $"{a.Alias} → {a.Version}"))}."
            : $"{reference.Name} has no alias '{reference.Alias}' in {Store.Location}. {await DescribeVersionsAsync(reference.Name, cancellationToken).ConfigureAwait(false)}");
    }

    /// <summary>An alias as stored now, with its ETag, or null when it does not exist.</summary>
    public async Task<ModelAlias?> ReadAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        ModelNames.ValidateModel(name);
        ModelNames.ValidateAlias(alias);
        return await ReadAsync(RegistryLayout.AliasKey(name, alias),
            (bytes, properties) => ModelAlias.FromJson(bytes, name, alias, properties.ETag), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The alias's ETag without reading it (one HEAD request), or null when it does not exist: poll this, and read the
    /// alias again only when it changed.
    /// </summary>
    public async Task<string?> GetAliasETagAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        ModelNames.ValidateModel(name);
        ModelNames.ValidateAlias(alias);
        return (await Store.GetPropertiesAsync(RegistryLayout.AliasKey(name, alias), cancellationToken).ConfigureAwait(false))?.ETag;
    }

    /// <summary>Every alias of a model, by name.</summary>
    public async Task<IReadOnlyList<ModelAlias>> ListAliasesAsync(string name, CancellationToken cancellationToken = default)
    {
        ModelNames.ValidateModel(name);
        var aliases = new List<ModelAlias>();
        await foreach (ArtifactProperties blob in Store.ListAsync(RegistryLayout.AliasPrefix(name), cancellationToken).ConfigureAwait(false))
        {
            if (RegistryLayout.AliasOf(name, blob.Key) is { } alias && await ReadAliasAsync(name, alias, cancellationToken).ConfigureAwait(false) is { } read)
            {
                aliases.Add(read);
            }
        }
        return aliases;
    }

    /// <summary>
    /// Moves <paramref name="alias"/> to the version <paramref name="target"/> names. With
    /// <paramref name="expectedCurrent"/>, only if the alias names that version now (a promotion decided on what was
    /// seen, not on what another writer did meanwhile); moving an alias to where it already is changes nothing.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The target does not exist.</exception>
    /// <exception cref="ModelRegistryException">The alias does not name <paramref name="expectedCurrent"/>.</exception>
    public async Task<ModelAlias> PromoteAsync(ModelReference target, string alias, ModelVersion? expectedCurrent = null,
        CancellationToken cancellationToken = default)
    {
        ModelNames.ValidateAlias(alias);
        ModelManifest manifest = await GetManifestAsync(target, cancellationToken).ConfigureAwait(false);
        return await MoveAliasAsync(manifest.Name, alias, _ => manifest.Version, expectedCurrent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Names of the models with at least one published version, sorted.</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default) =>
        await VersionBlobs(Store.ListAsync(RegistryLayout.ModelsPrefix, cancellationToken))
            .Where(blob => blob.Path == ModelManifest.FileName)
            .Select(blob => blob.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArrayAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Every version of a model, oldest first: published ones with their manifests and aliases, and orphans of abandoned publishes.</summary>
    /// <exception cref="ModelNotFoundException">Nothing of the model is stored.</exception>
    public async Task<IReadOnlyList<ModelVersionSummary>> ListVersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        ModelNames.ValidateModel(name);
        IReadOnlyList<ModelVersion> versions = await VersionsInAsync(name, cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            throw new ModelNotFoundException($"No model named {name} in {Store.Location}. {await DescribeModelsAsync(cancellationToken).ConfigureAwait(false)}");
        }
        IReadOnlyList<ModelAlias> aliases = await ListAliasesAsync(name, cancellationToken).ConfigureAwait(false);
        var summaries = new List<ModelVersionSummary>(versions.Count);
        foreach (ModelVersion version in versions)
        {
            summaries.Add(new ModelVersionSummary(version, await ReadManifestAsync(name, version, cancellationToken).ConfigureAwait(false),
                aliases.Where(alias => alias.Version == version).Select(alias => alias.Alias).ToArray()));
        }
        return summaries;
    }

    /// <summary>
    /// Deletes a version, published or orphan: its manifest first (from then on no reader sees it), then its files.
    /// A version an alias names is refused unless <paramref name="force"/>, which deletes those aliases too.
    /// </summary>
    /// <returns>The aliases deleted with it.</returns>
    /// <exception cref="ModelNotFoundException">Nothing of the version is stored.</exception>
    /// <exception cref="ModelRegistryException">An alias names the version and <paramref name="force"/> is false.</exception>
    public async Task<IReadOnlyList<string>> DeleteVersionAsync(string name, ModelVersion version, bool force,
        CancellationToken cancellationToken = default)
    {
        ModelNames.ValidateModel(name);
        string[] naming = (await ListAliasesAsync(name, cancellationToken).ConfigureAwait(false)).Where(alias => alias.Version == version).Select(alias => alias.Alias).ToArray();
        if (naming.Length > 0 && !force)
        {
            throw new ModelRegistryException(
                $"{name}@{version} is what {string.Join(", ", naming)} name{(naming.Length == 1 ? "s" : "")}: promote another version to "
                + $"{(naming.Length == 1 ? "it" : "them")} first, or force the delete, which deletes {(naming.Length == 1 ? "that alias" : "those aliases")} too.");
        }
        // Read whole before deleting: the manifest goes first.
        List<ArtifactProperties> blobs = await Store.ListAsync(RegistryLayout.VersionPrefix(name, version), cancellationToken)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (blobs.Count == 0)
        {
            throw new ModelNotFoundException($"{name}@{version} does not exist in {Store.Location}. {await DescribeVersionsAsync(name, cancellationToken).ConfigureAwait(false)}");
        }
        string manifestKey = RegistryLayout.ManifestKey(name, version);
        await Store.DeleteAsync(manifestKey, cancellationToken).ConfigureAwait(false);
        foreach (ArtifactProperties blob in blobs.Where(blob => blob.Key != manifestKey))
        {
            await Store.DeleteAsync(blob.Key, cancellationToken).ConfigureAwait(false);
        }
        foreach (string alias in naming)
        {
            await Store.DeleteAsync(RegistryLayout.AliasKey(name, alias), cancellationToken).ConfigureAwait(false);
        }
        return naming;
    }

    private static void Validate(PublishRequest request)
    {
        if (request.Files is not { Count: > 0 })
        {
            throw new ArgumentException("A version needs at least one file.", nameof(request));
        }
        foreach (PublishFile file in request.Files)
        {
            RegistryLayout.ValidateFilePath(file.Path);
            ArgumentException.ThrowIfNullOrEmpty(file.SourcePath, nameof(request));
        }
        if (request.Files.Select(file => file.Path).Distinct(StringComparer.Ordinal).Count() != request.Files.Count)
        {
            throw new ArgumentException("Two files to publish have the same path in the version.", nameof(request));
        }
        foreach ((string metric, double value) in request.Metrics)
        {
            if (string.IsNullOrWhiteSpace(metric) || !double.IsFinite(value))
            {
                throw new ArgumentException($"Metric '{metric}' = {value}: metrics need a name and a finite value.", nameof(request));
            }
        }
        foreach (string alias in request.Aliases)
        {
            ModelNames.ValidateAlias(alias);
        }
        if (request.PublishId is { } publishId)
        {
            ModelNames.ValidatePublishId(publishId);
        }
        ArgumentNullException.ThrowIfNull(request.Variants, nameof(request));
        if (ModelManifest.VariantProblem(request.Files.Select(file => file.Path).ToArray(), request.Variants, sourcesListed: true) is { } problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }
    }

    // Uploads the files of a claimed version and writes its manifest, which makes it visible.
    private async Task<ModelManifest> CompleteAsync(string name, PublishRequest request, PublishClaim claim, ModelVersion version,
        IReadOnlyList<ManifestFile> files, CancellationToken cancellationToken)
    {
        // The claim makes the version this publish's alone: a retried upload may simply overwrite its own file.
        await UploadAsync(name, version, request.Files, files, Enumerable.Range(0, files.Count), cancellationToken).ConfigureAwait(false);
        // A store that crashed may have lost writes it had acknowledged (Azurite keeps the last seconds in memory): check
        // every file is there before the manifest makes the version visible, upload what is missing once more.
        IReadOnlyList<int> missing = await MissingAsync(name, version, files, cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            await UploadAsync(name, version, request.Files, files, missing, cancellationToken).ConfigureAwait(false);
            missing = await MissingAsync(name, version, files, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                throw new ModelRegistryException(
                    $"{Store.Location} lost {string.Join(", ", missing.Select(i => files[i].Path))} of {name}@{version} twice after writing them; "
                    + "the version was left unpublished. Check the store's health and publish again.");
            }
        }

        var manifest = new ModelManifest
        {
            Name = name,
            Version = version,
            CreatedUtc = _time.GetUtcNow(),
            PublishId = claim.PublishId,
            Files = files,
            Metrics = new Dictionary<string, double>(request.Metrics, StringComparer.Ordinal),
            Lineage = request.Lineage,
            Variants = request.Variants.Count > 0 ? request.Variants : null,
        };
        await WriteManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    // The newest version a publish with this id claimed, or null when none did (one small read per version).
    private async Task<ModelVersion?> ClaimedAsync(string name, string publishId, CancellationToken cancellationToken)
    {
        foreach (ModelVersion version in (await VersionsInAsync(name, cancellationToken).ConfigureAwait(false)).Reverse())
        {
            PublishClaim? claim = await ReadAsync(RegistryLayout.ClaimKey(name, version), (bytes, _) => PublishClaim.FromJson(bytes), cancellationToken)
                .ConfigureAwait(false);
            if (claim?.PublishId == publishId)
            {
                return version;
            }
        }
        return null;
    }

    private async Task UploadAsync(string name, ModelVersion version, IReadOnlyList<PublishFile> sources, IReadOnlyList<ManifestFile> files,
        IEnumerable<int> which, CancellationToken cancellationToken)
    {
        foreach (int i in which)
        {
            ArtifactProperties written = await Store.PutFileAsync(RegistryLayout.FileKey(name, version, files[i].Path), sources[i].SourcePath,
                ArtifactCondition.None, cancellationToken).ConfigureAwait(false);
            if (written.Length != files[i].Size)
            {
                throw new ModelRegistryException(
                    $"{sources[i].SourcePath} changed while it was published ({files[i].Size} bytes, then {written.Length}): "
                    + $"{name}@{version} was left unpublished; publish again once the file is final.");
            }
        }
    }

    // The files the store does not hold at their full size (one HEAD each).
    private async Task<IReadOnlyList<int>> MissingAsync(string name, ModelVersion version, IReadOnlyList<ManifestFile> files,
        CancellationToken cancellationToken)
    {
        var missing = new List<int>();
        for (int i = 0; i < files.Count; i++)
        {
            ArtifactProperties? stored = await Store.GetPropertiesAsync(RegistryLayout.FileKey(name, version, files[i].Path), cancellationToken).ConfigureAwait(false);
            if (stored?.Length != files[i].Size)
            {
                missing.Add(i);
            }
        }
        return missing;
    }

    // Takes the number after every one in use (published, orphan or being published) with a create-only claim.
    private Task<ModelVersion> ClaimVersionAsync(string name, PublishClaim claim, CancellationToken cancellationToken) =>
        RaceRetry.ExecuteAsync(async token =>
        {
            IReadOnlyList<ModelVersion> taken = await VersionsInAsync(name, token).ConfigureAwait(false);
            ModelVersion next = taken.Count == 0 ? new ModelVersion(1) : taken[^1].Next;
            string key = RegistryLayout.ClaimKey(name, next);
            try
            {
                await Store.PutAsync(key, new MemoryStream(claim.ToJson()), ArtifactCondition.IfAbsent, token).ConfigureAwait(false);
            }
            catch (ArtifactConflictException)
            {
                // Either another publish took the number (read again, take the next), or this one did and its answer was lost.
                PublishClaim? there = await ReadAsync(key, (bytes, _) => PublishClaim.FromJson(bytes), token).ConfigureAwait(false);
                if (there?.PublishId != claim.PublishId)
                {
                    throw;
                }
            }
            return next;
        }, cancellationToken).AsTask();

    private async Task WriteManifestAsync(ModelManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            await Store.PutAsync(RegistryLayout.ManifestKey(manifest.Name, manifest.Version), new MemoryStream(manifest.ToJson()),
                ArtifactCondition.IfAbsent, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactConflictException error)
        {
            // A retried write whose first answer was lost finds its own manifest: published all the same.
            ModelManifest? there = await ReadManifestAsync(manifest.Name, manifest.Version, cancellationToken).ConfigureAwait(false);
            if (there?.PublishId != manifest.PublishId)
            {
                throw new ModelRegistryException(
                    $"{manifest.Name}@{manifest.Version} got another publish's manifest although this publish claimed it; its files are "
                    + "orphans now. Delete the version and publish again.", error);
            }
        }
    }

    private Task<ModelAlias> MoveAliasAsync(string name, string alias, Func<ModelAlias?, ModelVersion> target, ModelVersion? expected,
        CancellationToken cancellationToken) =>
        RaceRetry.ExecuteAsync(async token =>
        {
            ModelAlias? current = await ReadAliasAsync(name, alias, token).ConfigureAwait(false);
            ModelVersion version = target(current);
            if (current?.Version == version)
            {
                return current; // already there: nothing to write (also how a retried write whose answer was lost ends)
            }
            if (expected is { } expectedVersion && current?.Version != expectedVersion)
            {
                throw new ModelRegistryException(
                    $"{name}@{alias} names {current?.Version.ToString() ?? "nothing"}, not {expectedVersion} as expected: it moved since it was "
                    + "looked at; look again before promoting.");
            }
            ModelAlias moved = ModelAlias.Moved(name, alias, current, version, _time.GetUtcNow());
            ArtifactProperties written = await Store.PutAsync(RegistryLayout.AliasKey(name, alias), new MemoryStream(moved.ToJson()),
                current is null ? ArtifactCondition.IfAbsent : ArtifactCondition.IfMatch(current.ETag), token).ConfigureAwait(false);
            return moved with { ETag = written.ETag };
        }, cancellationToken).AsTask();

    private Task<ModelManifest?> ReadManifestAsync(string name, ModelVersion version, CancellationToken cancellationToken) =>
        ReadAsync(RegistryLayout.ManifestKey(name, version), (bytes, _) => ModelManifest.FromJson(bytes, name, version), cancellationToken);

    // A small blob parsed, or null when it does not exist.
    private async Task<T?> ReadAsync<T>(string key, Func<byte[], ArtifactProperties, T?> parse, CancellationToken cancellationToken)
        where T : class
    {
        using var buffer = new MemoryStream();
        ArtifactProperties properties;
        try
        {
            properties = await Store.GetAsync(key, buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactNotFoundException)
        {
            return null;
        }
        return parse(buffer.ToArray(), properties);
    }

    // The blobs that belong to versions, split into model, version and path inside the version.
    private static async IAsyncEnumerable<(string Name, ModelVersion Version, string Path)> VersionBlobs(IAsyncEnumerable<ArtifactProperties> blobs)
    {
        await foreach (ArtifactProperties blob in blobs.ConfigureAwait(false))
        {
            if (RegistryLayout.TryParseVersionKey(blob.Key, out string name, out ModelVersion version, out string rest))
            {
                yield return (name, version, rest);
            }
        }
    }

    // Every version of the model stored, published or not, in order.
    private async Task<ModelVersion[]> VersionsInAsync(string name, CancellationToken cancellationToken) =>
        await VersionBlobs(Store.ListAsync(RegistryLayout.ModelPrefix(name), cancellationToken))
            .Where(blob => blob.Name == name)
            .Select(blob => blob.Version)
            .Distinct()
            .Order()
            .ToArrayAsync(cancellationToken).ConfigureAwait(false);

    private async Task<string> DescribeVersionsAsync(string name, CancellationToken cancellationToken)
    {
        ModelVersion[] published = await VersionBlobs(Store.ListAsync(RegistryLayout.ModelPrefix(name), cancellationToken))
            .Where(blob => blob.Name == name && blob.Path == ModelManifest.FileName)
            .Select(blob => blob.Version)
            .Order()
            .ToArrayAsync(cancellationToken).ConfigureAwait(false);
        return published.Length > 0
            ? $"Published versions of {name}: {string.Join(", ", published)}."
            : $"No version of {name} is published. {await DescribeModelsAsync(cancellationToken).ConfigureAwait(false)}";
    }

    private async Task<string> DescribeModelsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> models = await ListModelsAsync(cancellationToken).ConfigureAwait(false);
        return models.Count > 0 ? $"Models there: {string.Join(", ", models)}." : "The registry holds no model yet.";
    }
}
