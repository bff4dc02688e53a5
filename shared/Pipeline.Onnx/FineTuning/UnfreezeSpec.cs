using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// How much of the encoder trains with the head: <c>none</c> (the head alone on frozen embeddings),
/// <c>last-linear:K</c> (everything from the encoder's K-th last Gemm/MatMul layer on) or <c>last-conv-block</c>
/// (everything from the input of the encoder's last convolutional block on: Conv, batch norm, ReLU, the residual Add,
/// global pooling).
/// </summary>
/// <remarks>Written and read as that text, in <c>artifacts.json</c> and on the command line.</remarks>
[JsonConverter(typeof(TextConverter))]
public sealed record UnfreezeSpec
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms = "none, last-linear:K (K ≥ 1) or last-conv-block";

    private UnfreezeSpec(int linearLayers, bool convBlock)
    {
        LinearLayers = linearLayers;
        ConvBlock = convBlock;
    }

    /// <summary>Only the head trains.</summary>
    public static UnfreezeSpec None { get; } = new(0, false);

    /// <summary>The encoder's last convolutional block trains with the head.</summary>
    public static UnfreezeSpec LastConvBlock { get; } = new(0, true);

    /// <summary>K when the last K Gemm/MatMul layers train; 0 otherwise.</summary>
    public int LinearLayers { get; }

    /// <summary>Whether the last convolutional block trains.</summary>
    public bool ConvBlock { get; }

    /// <summary>The encoder's last <paramref name="count"/> Gemm/MatMul layers train with the head.</summary>
    public static UnfreezeSpec LastLinear(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new UnfreezeSpec(count, false);
    }

    /// <summary>Parses <c>none</c>, <c>last-linear:K</c> or <c>last-conv-block</c>.</summary>
    /// <exception cref="FormatException">The text is none of <see cref="AcceptedForms"/>.</exception>
    public static UnfreezeSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text)
        {
            case "none":
                return None;
            case "last-conv-block":
                return LastConvBlock;
        }
        if (text.StartsWith("last-linear:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan("last-linear:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0)
        {
            return LastLinear(count);
        }
        throw new FormatException($"'{text}' says nothing about what to unfreeze: use {AcceptedForms}.");
    }

    /// <summary>Text <see cref="Parse"/> reads back.</summary>
    public override string ToString() => ConvBlock ? "last-conv-block" : LinearLayers > 0 ? $"last-linear:{LinearLayers}" : "none";

    private sealed class TextConverter : JsonConverter<UnfreezeSpec>
    {
        public override UnfreezeSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parse(reader.GetString() ?? throw new JsonException("What to unfreeze is a string such as \"none\"."));

        public override void Write(Utf8JsonWriter writer, UnfreezeSpec value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
