using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Errors;

namespace Pipeline.Onnx.FineTuning;

/// <summary>
/// How much of the encoder trains with the head: <c>none</c> (the head alone on frozen embeddings),
/// <c>last-linear:K</c> (everything from the encoder's K-th last Gemm/MatMul layer on), <c>last-conv:K</c> (everything
/// from the input of the encoder's K-th last convolution on: convolutions, batch norm, ReLU, pooling, residual Adds;
/// <c>last-conv-block</c> is <c>last-conv:1</c>) or <c>all</c> (every layer, from the pixels on).
/// </summary>
/// <remarks>Written and read as that text, in <c>artifacts.json</c> and on the command line.</remarks>
[JsonConverter(typeof(TextConverter))]
public sealed record UnfreezeSpec
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms = "none, last-linear:K, last-conv:K (K ≥ 1; last-conv-block is last-conv:1) or all";

    private UnfreezeSpec(int linearLayers, int convLayers, bool everything)
    {
        LinearLayers = linearLayers;
        ConvLayers = convLayers;
        Everything = everything;
    }

    /// <summary>Only the head trains.</summary>
    public static UnfreezeSpec None { get; } = new(0, 0, false);

    /// <summary>The encoder's last convolutional block trains with the head.</summary>
    public static UnfreezeSpec LastConvBlock { get; } = new(0, 1, false);

    /// <summary>The whole encoder trains with the head (batch-norm statistics stay frozen).</summary>
    public static UnfreezeSpec All { get; } = new(0, 0, true);

    /// <summary>K when the last K Gemm/MatMul layers train; 0 otherwise.</summary>
    public int LinearLayers { get; }

    /// <summary>K when everything from the K-th last convolution on trains; 0 otherwise.</summary>
    public int ConvLayers { get; }

    /// <summary>Whether every layer of the encoder trains.</summary>
    public bool Everything { get; }

    /// <summary>The encoder's last <paramref name="count"/> Gemm/MatMul layers train with the head.</summary>
    public static UnfreezeSpec LastLinear(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new UnfreezeSpec(count, 0, false);
    }

    /// <summary>Everything from the encoder's <paramref name="count"/>-th last convolution on trains with the head.</summary>
    public static UnfreezeSpec LastConv(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new UnfreezeSpec(0, count, false);
    }

    /// <summary>Parses <c>none</c>, <c>last-linear:K</c>, <c>last-conv:K</c>, <c>last-conv-block</c> or <c>all</c>.</summary>
    /// <exception cref="InvalidSettingException">The text is none of <see cref="AcceptedForms"/>.</exception>
    public static UnfreezeSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text)
        {
            case "none":
                return None;
            case "last-conv-block":
                return LastConvBlock;
            case "all":
                return All;
        }
        if (Count(text, "last-linear:") is int linear)
        {
            return LastLinear(linear);
        }
        if (Count(text, "last-conv:") is int conv)
        {
            return LastConv(conv);
        }
        throw new InvalidSettingException($"'{text}' says nothing about what to unfreeze: use {AcceptedForms}.");
    }

    /// <summary>Text <see cref="Parse"/> reads back.</summary>
    public override string ToString() =>
        Everything ? "all"
        : ConvLayers == 1 ? "last-conv-block"
        : ConvLayers > 1 ? $"last-conv:{ConvLayers}"
        : LinearLayers > 0 ? $"last-linear:{LinearLayers}"
        : "none";

    // K of "PREFIXK" when K is a positive integer.
    private static int? Count(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.Ordinal)
        && int.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0
            ? count
            : null;

    private sealed class TextConverter : JsonConverter<UnfreezeSpec>
    {
        public override UnfreezeSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parse(reader.GetString() ?? throw new JsonException("What to unfreeze is a string such as \"none\"."));

        public override void Write(Utf8JsonWriter writer, UnfreezeSpec value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
