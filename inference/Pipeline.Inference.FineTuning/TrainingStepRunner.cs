using Microsoft.ML.OnnxRuntime;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// Runs <c>training_model.onnx</c> step after step without allocating: the parameters and optimizer state live in two
/// sets of pinned buffers, and two I/O bindings ping-pong between them — one step reads set A and writes set B, the
/// next reads B and writes A — so nothing is copied between steps.
/// </summary>
/// <remarks>Not thread-safe: one training loop drives it.</remarks>
internal sealed class TrainingStepRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly ArtifactsManifest _manifest;
    private readonly RunOptions _runOptions;
    private readonly string[] _names;
    private readonly float[][][] _sets;
    private readonly OrtValue[][] _values;
    private readonly OrtIoBinding[] _bindings;
    private readonly float[] _learningRate = new float[1];
    private readonly long[] _step = new long[1];
    private readonly float[] _loss = new float[1];
    private readonly OrtValue _learningRateValue, _stepValue, _lossValue;
    private readonly Dictionary<int, (OrtValue Batch, OrtValue Labels)> _batchValues = [];
    private float[] _batch = [];
    private long[] _labels = [];
    private int _current;

    public TrainingStepRunner(InferenceSession session, ArtifactsManifest manifest, RunOptions runOptions,
        IReadOnlyDictionary<string, float[]> initial)
    {
        _session = session;
        _manifest = manifest;
        _runOptions = runOptions;
        _names = manifest.TrainedValues.ToArray();
        var shapes = manifest.Parameters
            .SelectMany(parameter => new[] { parameter.Name }.Concat(parameter.State).Select(name => (name, parameter.Shape)))
            .ToDictionary(pair => pair.name, pair => pair.Shape, StringComparer.Ordinal);
        _sets = new float[2][][];
        _values = new OrtValue[2][];
        for (int set = 0; set < 2; set++)
        {
            _sets[set] = _names.Select(name => (float[])initial[name].Clone()).ToArray();
            _values[set] = _names.Select((name, i) => OrtValue.CreateTensorValueFromMemory(_sets[set][i], shapes[name])).ToArray();
        }
        InputSize = (int)manifest.InputShape.Aggregate(1L, (product, size) => product * size);
        _learningRateValue = OrtValue.CreateTensorValueFromMemory(_learningRate, []);
        _stepValue = OrtValue.CreateTensorValueFromMemory(_step, []);
        _lossValue = OrtValue.CreateTensorValueFromMemory(_loss, []);
        _bindings = new OrtIoBinding[2];
        for (int set = 0; set < 2; set++)
        {
            OrtIoBinding binding = session.CreateIoBinding();
            binding.BindInput(ArtifactsManifest.LearningRateInput, _learningRateValue);
            binding.BindInput(ArtifactsManifest.StepInput, _stepValue);
            binding.BindOutput(ArtifactsManifest.LossOutput, _lossValue);
            for (int i = 0; i < _names.Length; i++)
            {
                binding.BindInput(_names[i], _values[set][i]);
                binding.BindOutput(_names[i] + ArtifactsManifest.UpdatedSuffix, _values[1 - set][i]);
            }
            _bindings[set] = binding;
        }
    }

    /// <summary>Floats per example of the graph's batch input.</summary>
    public int InputSize { get; }

    /// <summary>The buffer to write <paramref name="count"/> examples of the next batch into.</summary>
    public Span<float> Batch(int count)
    {
        Reserve(count);
        return _batch.AsSpan(0, count * InputSize);
    }

    /// <summary>The buffer to write the next batch's <paramref name="count"/> labels into.</summary>
    public Span<long> Labels(int count)
    {
        Reserve(count);
        return _labels.AsSpan(0, count);
    }

    /// <summary>Runs one step on the first <paramref name="count"/> examples of the batch buffers and returns the loss.</summary>
    /// <param name="count">Examples in the batch.</param>
    /// <param name="learningRate">This step's learning rate.</param>
    /// <param name="stepNumber">This update's number, from 1 (Adam's bias corrections read it).</param>
    public float Run(int count, float learningRate, long stepNumber)
    {
        Reserve(count);
        if (!_batchValues.TryGetValue(count, out var batch))
        {
            batch = (OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _batch.AsMemory(0, count * InputSize),
                    [count, .. _manifest.InputShape]),
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _labels.AsMemory(0, count), [count]));
            _batchValues[count] = batch;
        }
        _learningRate[0] = learningRate;
        _step[0] = stepNumber;
        OrtIoBinding binding = _bindings[_current];
        binding.BindInput(_manifest.Input, batch.Batch);
        binding.BindInput(ArtifactsManifest.LabelsInput, batch.Labels);
        _session.RunWithBinding(_runOptions, binding);
        _current = 1 - _current;
        return _loss[0];
    }

    /// <summary>The live buffer of a trained value in the current set (valid until the next step).</summary>
    public float[] Current(string name) => _sets[_current][Index(name)];

    /// <summary>The OrtValue of a trained value in the current set (valid until the next step).</summary>
    public OrtValue CurrentValue(string name) => _values[_current][Index(name)];

    /// <summary>Copies values into the current set; names and lengths must match the manifest's.</summary>
    public void Load(IReadOnlyDictionary<string, float[]> values)
    {
        for (int i = 0; i < _names.Length; i++)
        {
            if (!values.TryGetValue(_names[i], out float[]? source) || source.Length != _sets[_current][i].Length)
            {
                throw new InvalidDataException($"The checkpoint lacks '{_names[i]}' or holds it in another shape.");
            }
            source.CopyTo(_sets[_current][i], 0);
        }
    }

    public void Dispose()
    {
        foreach (OrtIoBinding binding in _bindings)
        {
            binding.Dispose();
        }
        foreach (OrtValue value in _values.SelectMany(set => set))
        {
            value.Dispose();
        }
        DisposeBatchValues();
        _learningRateValue.Dispose();
        _stepValue.Dispose();
        _lossValue.Dispose();
    }

    private int Index(string name)
    {
        int index = Array.IndexOf(_names, name);
        return index >= 0 ? index : throw new ArgumentException($"'{name}' is not a trained value of these artifacts.", nameof(name));
    }

    // Grows the batch buffers; the OrtValues over the old ones go with them.
    private void Reserve(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (count <= _labels.Length)
        {
            return;
        }
        DisposeBatchValues();
        _batch = new float[checked(count * InputSize)];
        _labels = new long[count];
    }

    private void DisposeBatchValues()
    {
        foreach ((OrtValue batch, OrtValue labels) in _batchValues.Values)
        {
            batch.Dispose();
            labels.Dispose();
        }
        _batchValues.Clear();
    }
}
