using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Data;
using Pipeline.Onnx;
using Pipeline.Runs;

namespace Pipeline.Inference;

/// <summary>
/// A model file of this pipeline loaded into ONNX Runtime, what <see cref="EmbeddingModel"/> and
/// <see cref="Classification.ImageClassifier"/> share: the file read and checked against its expected hash, the
/// session on the execution provider asked for, the embedding-model contract every model of ours keeps (metadata,
/// input <c>pixels</c> [N, C, H, W]), and runs of [N, C, H, W] pixels to one float32 output.
/// </summary>
/// <remarks>
/// <para>Thread-safe: any number of threads may run the model at once (ONNX Runtime's <c>Run</c> is thread-safe and
/// the model keeps no per-call state). <see cref="Dispose"/> waits for the runs in flight to return, then frees the
/// native session; runs that start after it throw <see cref="ObjectDisposedException"/>, and disposing again does
/// nothing. That is what lets a server swap models while requests are running.</para>
/// <para>Inputs and outputs go through <see cref="OrtValue"/>s over the caller's buffers, pinned, not copied.</para>
/// </remarks>
public abstract class OnnxRuntimeModel : IDisposable
{
    /// <summary>The contract's input: float32 [N, C, H, W] in [0, 1].</summary>
    public const string InputName = "pixels";

    private readonly OrtSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames = [InputName];
    private readonly string[] _outputNames;
    // Guards the two fields below; Dispose waits on it until no run is in flight. A monitor, not a lock object that
    // would itself need disposing while late runs may still be waiting on it.
    private readonly object _lifetime = new();
    private int _running;
    private bool _disposed;

    /// <summary>Takes over <paramref name="loaded"/>'s session; runs compute <paramref name="outputName"/>.</summary>
    private protected OnnxRuntimeModel(LoadedModel loaded, string outputName)
    {
        Source = Path.GetFullPath(loaded.Source);
        Sha256 = loaded.Sha256;
        ExecutionProvider = loaded.Runtime.Provider;
        Metadata = loaded.Metadata;
        InputShape = new ImageShape(loaded.Metadata.Channels, loaded.Metadata.Height, loaded.Metadata.Width);
        _session = loaded.Runtime;
        _outputNames = [outputName];
    }

    /// <summary>Where the model came from: the file path it was loaded from.</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the model file, 64 lower-case hex digits.</summary>
    public string Sha256 { get; }

    /// <summary>The provider ONNX Runtime actually runs on: <see cref="ExecutionProvider.Cpu"/> or <see cref="ExecutionProvider.Cuda"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>The encoder's <c>pipeline.*</c> metadata.</summary>
    public EmbeddingModelMetadata Metadata { get; }

    /// <summary>[C, H, W] of one input image.</summary>
    public ImageShape InputShape { get; }

    /// <summary>Waits for the runs in flight, then frees the session; disposing again does nothing.</summary>
    public void Dispose()
    {
        lock (_lifetime)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            while (_running > 0)
            {
                Monitor.Wait(_lifetime);
            }
        }
        _session.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>The bytes of the model file at <paramref name="path"/>; a missing file names <paramref name="whatToGive"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    private protected static byte[] ReadModelFile(string path, string whatToGive)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: give {whatToGive}.", path);
        }
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// Checks the hash, opens a session, reads and checks the embedding-model contract, then lets
    /// <paramref name="create"/> check what its kind of model adds and make it; the session is freed if anything fails.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The bytes' hash is not the expected one, ONNX Runtime cannot load them, or they break the contract (metadata,
    /// input <c>pixels</c> [N, C, H, W], output <c>embedding</c> [N, D]); the message says which.
    /// </exception>
    /// <exception cref="Errors.InvalidSettingException"><see cref="ExecutionProvider.Cuda"/> was asked for and cannot run here.</exception>
    private protected static TModel Open<TModel>(byte[] bytes, string source, EmbeddingModelOptions? options, ILogger? logger,
        Func<LoadedModel, TModel> create)
        where TModel : OnnxRuntimeModel
    {
        options ??= new EmbeddingModelOptions();
        string sha256 = FileDigest.Of(bytes).Sha256;
        if (options.ExpectedSha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{source} has SHA-256 {sha256}, not the expected {expected}: it is another or a damaged file.");
        }

        OrtSession session = OrtSessionFactory.Create(bytes, source, options, logger ?? NullLogger.Instance);
        try
        {
            return create(new LoadedModel(source, sha256, session, ReadContract(session.Session, source)));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Reads metadata of the model's <c>metadata_props</c> with <paramref name="read"/>; its errors name the model.</summary>
    private protected static T ReadMetadata<T>(LoadedModel loaded, Func<IReadOnlyDictionary<string, string>, T> read) =>
        ReadMetadata(loaded.Runtime.Session, loaded.Source, read);

    /// <summary>Throws unless the model has a float32 output <paramref name="name"/> of shape [N, <paramref name="expected"/>[1..]].</summary>
    private protected static void RequireOutput(LoadedModel loaded, string name, long[] expected, string modelKind) =>
        RequireTensor(loaded.Runtime.Session.OutputMetadata, name, expected, "output", loaded.Source, modelKind);

    /// <summary>
    /// Runs <paramref name="images"/> images of <paramref name="pixels"/> ([N, C, H, W], checked by the caller) into
    /// <paramref name="output"/> ([N, <paramref name="outputWidth"/>]).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    private protected void Run(ReadOnlyMemory<float> pixels, int images, Memory<float> output, int outputWidth)
    {
        lock (_lifetime)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running++;
        }
        try
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                MemoryMarshal.AsMemory(pixels), [images, InputShape.Channels, InputShape.Height, InputShape.Width]);
            using OrtValue result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output, [images, outputWidth]);
            _session.Session.Run(_runOptions, _inputNames, [input], _outputNames, [result]);
        }
        finally
        {
            lock (_lifetime)
            {
                if (--_running == 0 && _disposed)
                {
                    Monitor.PulseAll(_lifetime);
                }
            }
        }
    }

    // The metadata, and the graph's input and output checked against it (a fine-tuned classifier keeps the same contract).
    private static EmbeddingModelMetadata ReadContract(InferenceSession session, string source)
    {
        EmbeddingModelMetadata metadata = ReadMetadata(session, source, EmbeddingModelMetadata.FromProperties);
        long[] input = [-1, metadata.Channels, metadata.Height, metadata.Width];
        long[] output = [-1, metadata.EmbeddingDim];
        RequireTensor(session.InputMetadata, InputName, input, "input", source);
        RequireTensor(session.OutputMetadata, EmbeddingModel.OutputName, output, "output", source);
        return metadata;
    }

    private static T ReadMetadata<T>(InferenceSession session, string source, Func<IReadOnlyDictionary<string, string>, T> read)
    {
        try
        {
            return read(session.ModelMetadata.CustomMetadataMap);
        }
        catch (InvalidDataException error)
        {
            throw new InvalidDataException($"{source}: {error.Message}", error);
        }
    }

    /// <summary>Throws unless the session has a float32 <paramref name="role"/> <paramref name="name"/> of shape [N, <paramref name="expected"/>[1..]].</summary>
    private static void RequireTensor(IReadOnlyDictionary<string, NodeMetadata> values, string name, long[] expected,
        string role, string source, string modelKind = "an embedding model from pipeline-train export")
    {
        if (!values.TryGetValue(name, out NodeMetadata? node))
        {
            throw new InvalidDataException(
                $"{source} has no {role} '{name}' (it has {string.Join(", ", values.Keys)}): it is not {modelKind}.");
        }
        int[] dims = node.IsTensor ? node.Dimensions : [];
        bool matches = node.IsTensor && node.ElementType == typeof(float) && dims.Length == expected.Length
            && dims.Skip(1).Select(d => (long)d).SequenceEqual(expected.Skip(1));
        if (!matches)
        {
            throw new InvalidDataException(
                $"{source}'s {role} '{name}' is {node.ElementType?.Name} [{string.Join(", ", dims)}], but its metadata promises float32 "
                + $"[N, {string.Join(", ", expected.Skip(1))}]: the file and its metadata disagree; export it again.");
        }
    }

    /// <summary>A session opened on a checked model file, and what was read from it, until a model takes it over.</summary>
    /// <param name="Source">The model's name in messages: its path as given.</param>
    /// <param name="Sha256">The SHA-256 of its bytes.</param>
    /// <param name="Runtime">The session, owned by whoever holds this until a model takes it over.</param>
    /// <param name="Metadata">The contract's metadata, checked against the graph's input and output.</param>
    private protected sealed record LoadedModel(string Source, string Sha256, OrtSession Runtime, EmbeddingModelMetadata Metadata);
}
