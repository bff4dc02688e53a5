using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Pipeline.Onnx.Tests.FineTuning;

/// <summary>Runs a model once in ONNX Runtime with float32 and int64 inputs and returns every output as floats.</summary>
internal static class OrtRun
{
    public static Dictionary<string, float[]> Run(ModelProto model, IReadOnlyDictionary<string, (Array Values, long[] Shape)> inputs)
    {
        using var session = new InferenceSession(model.ToByteArray());
        var values = new List<OrtValue>();
        try
        {
            foreach ((Array array, long[] shape) in inputs.Values)
            {
                values.Add(array switch
                {
                    float[] floats => OrtValue.CreateTensorValueFromMemory(floats, shape),
                    long[] longs => OrtValue.CreateTensorValueFromMemory(longs, shape),
                    _ => throw new ArgumentException($"Unsupported input type {array.GetType()}"),
                });
            }
            string[] outputNames = session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputs.Keys.ToArray(), values, outputNames);
            return outputNames.Select((name, i) => (name, values: outputs[i].GetTensorDataAsSpan<float>().ToArray()))
                .ToDictionary(pair => pair.name, pair => pair.values, StringComparer.Ordinal);
        }
        finally
        {
            values.ForEach(value => value.Dispose());
        }
    }
}
