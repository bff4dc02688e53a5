using System.Globalization;
using System.Text.Json.Serialization;
using Pipeline.Errors;

namespace Pipeline.Storage.Registry;

/// <summary>
/// A model's version: <c>v1</c>, <c>v2</c>, … allocated by <see cref="ModelRegistry.PublishAsync"/> in increasing order.
/// A number is never reused, so a version names the same bytes forever; numbers may skip where a publish was abandoned.
/// </summary>
[JsonConverter(typeof(ModelVersionJsonConverter))]
public readonly record struct ModelVersion : IComparable<ModelVersion>
{
    public ModelVersion(int number)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        Number = number;
    }

    /// <summary>The version's number, 1 or more.</summary>
    public int Number { get; }

    /// <summary>The version after this one.</summary>
    public ModelVersion Next => new(checked(Number + 1));

    /// <summary>Parses <c>vN</c> (N ≥ 1, no leading zeros).</summary>
    public static bool TryParse(string? text, out ModelVersion version)
    {
        version = default;
        if (text is not { Length: >= 2 } || text[0] != 'v' || text[1] == '0' || text.AsSpan(1).ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            return false;
        }
        version = new ModelVersion(number);
        return true;
    }

    /// <exception cref="InvalidSettingException">The text is not <c>vN</c>.</exception>
    public static ModelVersion Parse(string text) =>
        TryParse(text, out ModelVersion version) ? version : throw new InvalidSettingException($"'{text}' is not a model version; versions read v1, v2, …");

    public int CompareTo(ModelVersion other) => Number.CompareTo(other.Number);

    public static bool operator <(ModelVersion left, ModelVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(ModelVersion left, ModelVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(ModelVersion left, ModelVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ModelVersion left, ModelVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"v{Number}");
}
