using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Onnx;
using Pipeline.Onnx.Quantization;
using Pipeline.Storage.Registry;
using Pipeline.Training.Export;
using Pipeline.Training.Pretraining;

namespace Pipeline.Training.Registry;

/// <summary>
/// What a run folder publishes as a registry version: its exported <c>encoder.onnx</c>, <c>run.json</c>,
/// <c>eval/*.json</c> and <c>report/</c>, and the precision variants of that encoder it is given; the evaluation figures
/// of the exported checkpoint as metrics; the run, its config, the source commit and the export's provenance as lineage.
/// </summary>
public static class RunPublication
{
    /// <summary>
    /// Publishes <paramref name="run"/> as the next version of model <paramref name="name"/>, with the precision variants of
    /// its encoder at <paramref name="variants"/> beside it.
    /// </summary>
    /// <param name="registry">The registry to publish into.</param>
    /// <param name="run">The run folder.</param>
    /// <param name="name">The model's name in the registry.</param>
    /// <param name="aliases">The aliases to move to the new version.</param>
    /// <param name="variants">Paths of precision variants of the run's encoder (<c>pipeline-infer quantize</c>'s output).</param>
    /// <param name="publishId">The id of this publish (<see cref="PublishRequest.PublishId"/>): the same id again completes the version it started.</param>
    /// <param name="cancellationToken">Stops the upload.</param>
    /// <exception cref="PublishVariantException">
    /// A variant is missing or is not one, two are of one precision, or one was not made from the run's encoder; nothing was published.
    /// </exception>
    /// <exception cref="DataFormatException">The run is not a run folder, or has no export.</exception>
    public static async Task<PublishedModel> PublishAsync(ModelRegistry registry, RunDirectory run, string name, IReadOnlyList<string> aliases,
        IReadOnlyList<string> variants, string? publishId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(variants);
        PublishRequest request = Request(run, name, aliases, Variants(variants)) with { PublishId = publishId };
        try
        {
            return await registry.PublishAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (VariantSourceMismatchException error)
        {
            string source = request.Files.First(file => file.Path == error.Variant.Path).SourcePath;
            throw new PublishVariantException([source], $"{source}: {error.Message}", error);
        }
    }

    /// <summary>The publish request for <paramref name="run"/> as model <paramref name="name"/>.</summary>
    /// <param name="run">The run folder.</param>
    /// <param name="name">The model's name in the registry.</param>
    /// <param name="aliases">The aliases to move to the new version.</param>
    /// <param name="variants">Precision variants of the run's encoder (<see cref="Variants"/>), published beside it.</param>
    /// <exception cref="DataFormatException">The run is not a run folder, or has no export.</exception>
    private static PublishRequest Request(RunDirectory run, string name, IReadOnlyList<string> aliases,
        IReadOnlyList<(PublishFile File, FileVariant Variant)> variants)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.ReadConfig(); // refuses a folder that is not a run
        string encoder = RunExport.DefaultPath(run);
        if (!File.Exists(encoder))
        {
            throw new DataFormatException(run.Path,
                $"has no {RunExport.DefaultFileName}: export it first (pipeline-train export --run {run.Path}).");
        }
        EmbeddingModelMetadata metadata = EmbeddingModelMetadata.Read(encoder);

        var files = new List<PublishFile> { new(RunExport.DefaultFileName, encoder), new(Path.GetFileName(run.ConfigPath), run.ConfigPath) };
        files.AddRange(FilesUnder(run.Path, run.EvaluationDirectory, "*.json"));
        files.AddRange(FilesUnder(run.Path, Path.Combine(run.Path, "report"), "*"));
        files.AddRange(variants.Select(variant => variant.File));

        using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(run.ConfigPath));
        var lineage = new ModelLineage(
            Path.GetFileName(run.Path),
            config.RootElement.Clone(),
            SourceCommit(),
            metadata.CreatedUtc,
            new Dictionary<string, string>
            {
                ["method"] = metadata.Method,
                ["encoder"] = metadata.Encoder,
                ["dataset"] = metadata.Dataset,
                ["input_shape"] = string.Create(CultureInfo.InvariantCulture, $"{metadata.Channels}x{metadata.Height}x{metadata.Width}"),
                ["embedding_dim"] = metadata.EmbeddingDim.ToString(CultureInfo.InvariantCulture),
                ["source_run"] = metadata.SourceRun,
                ["source_checkpoint"] = metadata.SourceCheckpoint,
                ["checkpoint_sha256"] = metadata.CheckpointSha256,
                ["parity_max_abs_diff"] = metadata.ParityMaxAbsDiff.ToString("R", CultureInfo.InvariantCulture),
            });
        return new PublishRequest
        {
            Name = name,
            Files = files,
            Metrics = new Dictionary<string, double>(metadata.Metrics),
            Lineage = lineage,
            Aliases = aliases,
            Variants = variants.Select(variant => variant.Variant).ToArray(),
        };
    }

    /// <summary>
    /// Precision variants of the encoder (<c>pipeline-infer quantize</c>'s output) as files of the version, each named
    /// <c>encoder.PRECISION.onnx</c> there, with the precision and the SHA-256 of the encoder it was made from as its
    /// metadata records them (the registry refuses one beside any other encoder); a version holds one per precision.
    /// </summary>
    /// <exception cref="PublishVariantException">A file does not exist or is not an ONNX model with precision metadata, or two are of one precision.</exception>
    private static IReadOnlyList<(PublishFile File, FileVariant Variant)> Variants(IReadOnlyList<string> paths)
    {
        var variants = new List<(PublishFile File, FileVariant Variant)>();
        foreach (string path in paths)
        {
            (PublishFile File, FileVariant Variant) variant = Variant(path);
            if (variants.FirstOrDefault(other => other.Variant.Precision == variant.Variant.Precision) is { File: { } same })
            {
                throw new PublishVariantException([same.SourcePath, path],
                    $"{same.SourcePath} and {path} are both {variant.Variant.Precision}: a version holds one variant per precision.");
            }
            variants.Add(variant);
        }
        return variants;
    }

    private static (PublishFile File, FileVariant Variant) Variant(string path)
    {
        PrecisionMetadata? metadata;
        try
        {
            metadata = PrecisionMetadata.Read(path);
        }
        catch (Exception error) when (error is InvalidDataException or FileNotFoundException)
        {
            throw new PublishVariantException([path], $"{path}: {error.Message}", error);
        }
        if (metadata is null)
        {
            throw new PublishVariantException([path], $"{path}: {path} is a float32 model, not a precision variant: make one with pipeline-infer quantize.");
        }
        string inVersion = PrecisionMetadata.FileNameOf(RunExport.DefaultFileName, metadata.Precision);
        return (new PublishFile(inVersion, path),
            new FileVariant(inVersion, RunExport.DefaultFileName, PrecisionMetadata.NameOf(metadata.Precision), metadata.SourceSha256));
    }

    // Every file matching the pattern under a folder of the run, by its path inside the run, in a stable order.
    private static IEnumerable<PublishFile> FilesUnder(string runPath, string folder, string pattern) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, pattern, SearchOption.AllDirectories)
                .Select(file => new PublishFile(Path.GetRelativePath(runPath, file).Replace(Path.DirectorySeparatorChar, '/'), file))
                .OrderBy(file => file.Path, StringComparer.Ordinal)
            : [];

    /// <summary>The commit of the source tree this program was built in (<c>git rev-parse HEAD</c>), or null outside one.</summary>
    private static string? SourceCommit()
    {
        try
        {
            var start = new ProcessStartInfo("git")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            };
            foreach (string argument in new[] { "rev-parse", "HEAD" })
            {
                start.ArgumentList.Add(argument);
            }
            using Process git = Process.Start(start)!;
            string commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(TimeSpan.FromSeconds(10));
            return git.HasExited && git.ExitCode == 0 && commit.Length >= 40 ? commit : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }
}
