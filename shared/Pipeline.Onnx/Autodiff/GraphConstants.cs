using System.Globalization;

namespace Pipeline.Onnx.Autodiff;

/// <summary>The constants gradient nodes share (axes, shapes, scalars): one initializer per distinct value in a graph.</summary>
internal sealed class GraphConstants(OnnxGraphBuilder builder)
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    public string Int64s(long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (!_names.TryGetValue(key, out string? name))
        {
            name = builder.AddInt64Initializer("const_i64_" + string.Join("_", values).Replace('-', 'm'), values, values.Length);
            _names[key] = name;
        }
        return name;
    }

    public string Scalar(float value)
    {
        string key = "f32:" + value.ToString("R", CultureInfo.InvariantCulture);
        if (!_names.TryGetValue(key, out string? name))
        {
            name = builder.AddInitializer("const_f32", [value]);
            _names[key] = name;
        }
        return name;
    }
}
