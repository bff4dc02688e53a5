using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// The ONNX Runtime sessions of an artifact folder's graphs — training step, evaluation and, when features are cached,
/// the frozen prefix — opened the way every model of this pipeline is (<see cref="OrtSessionFactory"/>), with the run
/// options their runs share. Owns them all; dispose it.
/// </summary>
internal sealed class FineTuneSessions : IDisposable
{
    private readonly List<OrtSession> _opened = [];

    private FineTuneSessions()
    {
    }

    public InferenceSession Training { get; private set; } = null!;

    public InferenceSession Evaluation { get; private set; } = null!;

    /// <summary>The frozen prefix, or null when the artifacts take pixels.</summary>
    public InferenceSession? Frozen { get; private set; }

    /// <summary>The options every run on these sessions takes.</summary>
    public RunOptions RunOptions { get; } = new();

    /// <summary>Opens the graphs of the artifact folder <paramref name="directory"/>; nothing stays open when one fails to load.</summary>
    /// <exception cref="InvalidDataException">A graph does not load.</exception>
    public static FineTuneSessions Open(string directory, ArtifactsManifest manifest, EmbeddingModelOptions options, ILogger? logger)
    {
        var sessions = new FineTuneSessions();
        try
        {
            sessions.Training = sessions.Load(directory, ArtifactsManifest.TrainingModelFile, options, logger);
            sessions.Evaluation = sessions.Load(directory, ArtifactsManifest.EvalModelFile, options, logger);
            sessions.Frozen = manifest.CachesFeatures ? sessions.Load(directory, ArtifactsManifest.FrozenModelFile, options, logger) : null;
            return sessions;
        }
        catch
        {
            sessions.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (OrtSession session in _opened)
        {
            session.Dispose();
        }
        _opened.Clear();
        RunOptions.Dispose();
    }

    private InferenceSession Load(string directory, string file, EmbeddingModelOptions options, ILogger? logger)
    {
        string path = Path.Combine(directory, file);
        OrtSession session = OrtSessionFactory.Create(File.ReadAllBytes(path), path, options, logger ?? NullLogger.Instance);
        _opened.Add(session);
        return session.Session;
    }
}
