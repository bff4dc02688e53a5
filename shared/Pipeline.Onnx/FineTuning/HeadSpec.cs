using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Errors;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// The classification head trained on top of the embedding: <c>linear</c> (one Gemm, D → C) or <c>mlp:H1,H2,…</c>
/// (Gemm and ReLU through the hidden widths, then a Gemm to C).
/// </summary>
/// <remarks>Written and read as that text, in <c>artifacts.json</c> and on the command line.</remarks>
[JsonConverter(typeof(TextConverter))]
public sealed record HeadSpec
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms = "linear, or mlp:H1[,H2…] with positive hidden widths (mlp:256, mlp:512,256)";

    private HeadSpec(IReadOnlyList<int> hidden)
    {
        Hidden = hidden;
    }

    /// <summary>One linear layer from the embedding to the logits.</summary>
    public static HeadSpec Linear { get; } = new([]);

    /// <summary>The widths of the hidden layers, in order; empty for a linear head.</summary>
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>An MLP head with ReLU between layers of the given hidden widths.</summary>
    public static HeadSpec Mlp(params int[] hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.Length == 0 || hidden.Any(width => width < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(hidden), $"An MLP head needs one or more positive hidden widths, not [{string.Join(", ", hidden)}].");
        }
        return new HeadSpec(hidden.ToArray());
    }

    /// <summary>Parses <c>linear</c> or <c>mlp:256,128</c>.</summary>
    /// <exception cref="InvalidSettingException">The text is none of <see cref="AcceptedForms"/>.</exception>
    public static HeadSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "linear")
        {
            return Linear;
        }
        if (text.StartsWith("mlp:", StringComparison.Ordinal))
        {
            string[] parts = text["mlp:".Length..].Split(',');
            var widths = new List<int>();
            foreach (string part in parts)
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int width) || width < 1)
                {
                    widths.Clear();
                    break;
                }
                widths.Add(width);
            }
            if (widths.Count > 0)
            {
                return Mlp([.. widths]);
            }
        }
        throw new InvalidSettingException($"'{text}' is not a head: use {AcceptedForms}.");
    }

    /// <summary>The widths of every layer's input and the last one's output: [D, H1, …, C].</summary>
    public IReadOnlyList<int> LayerWidths(int embeddingDim, int classCount) => [embeddingDim, .. Hidden, classCount];

    public bool Equals(HeadSpec? other) => other is not null && Hidden.SequenceEqual(other.Hidden);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary><c>linear</c> or <c>mlp:H1,H2</c>: text <see cref="Parse"/> reads back.</summary>
    public override string ToString() => Hidden.Count == 0 ? "linear" : "mlp:" + string.Join(",", Hidden);

    private sealed class TextConverter : JsonConverter<HeadSpec>
    {
        public override HeadSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parse(reader.GetString() ?? throw new JsonException("A head is a string such as \"linear\"."));

        public override void Write(Utf8JsonWriter writer, HeadSpec value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
