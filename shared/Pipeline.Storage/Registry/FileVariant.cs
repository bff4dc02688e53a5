using System.Text.RegularExpressions;
using Pipeline.Errors;

namespace Pipeline.Storage.Registry;

/// <summary>
/// A file of a version that is another precision of one of its files (<c>encoder.int8.onnx</c> of <c>encoder.onnx</c>):
/// a pull chooses one precision and gets each file in it, where the version has it, instead of the reference file.
/// </summary>
/// <param name="Path">The variant's path in the version, such as <c>encoder.int8.onnx</c>.</param>
/// <param name="Of">The path of the file in the version it was made from, in the <see cref="ReferencePrecision"/>.</param>
/// <param name="Precision">Its precision: lower-case letters and digits (<c>int8</c>, <c>fp16</c>), never <see cref="ReferencePrecision"/>.</param>
/// <param name="SourceSha256">The SHA-256 of the file it was made from, as the variant records it: a version holds it only beside that very file.</param>
public sealed partial record FileVariant(string Path, string Of, string Precision, string SourceSha256)
{
    /// <summary>The precision of a version's files that are not variants: what a pull gets unless it asks for another.</summary>
    public const string ReferencePrecision = "fp32";

    /// <summary>Throws <see cref="InvalidSettingException"/> unless <paramref name="precision"/> is 1-16 lower-case letters and digits, starting with a letter.</summary>
    public static string ValidatePrecision(string precision)
    {
        ArgumentNullException.ThrowIfNull(precision);
        return IsPrecision(precision)
            ? precision
            : throw new InvalidSettingException($"'{precision}' is not a precision: use 1-16 lower-case letters and digits, starting with a letter (such as int8).");
    }

    /// <summary>Whether <paramref name="precision"/> may name a precision (see <see cref="ValidatePrecision"/>).</summary>
    public static bool IsPrecision(string? precision) => precision is not null && PrecisionPattern().IsMatch(precision);

    [GeneratedRegex("^[a-z][a-z0-9]{0,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrecisionPattern();
}
