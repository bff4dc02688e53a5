using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Pipeline.Errors;

namespace Pipeline.Cli;

/// <summary>
/// The values an option accepts, checked at parse time: a refused value is a usage error (exit 2,
/// <see cref="CliInvocation"/>) before anything is read or written.
/// <para>
/// The numeric rules replace the option's parser: the text is read with the invariant culture and checked against the
/// rule, so a value that does not parse (<c>abc</c>, an empty string, <c>NaN</c>, a
/// number too large for the type) and one out of range are refused alike, at parse time, with one message naming the
/// option, the value and what is accepted.
/// </para>
/// </summary>
public static class OptionRules
{
    /// <summary>Accepts a number above 0 (a whole number for whole-number options).</summary>
    public static Option<T> Positive<T>(Option<T> option) where T : struct, INumber<T> =>
        Accept(option, value => value > T.Zero, Describe<T>("a positive whole number", "a positive number"));

    /// <inheritdoc cref="Positive{T}(Option{T})"/>
    public static Option<T?> Positive<T>(Option<T?> option) where T : struct, INumber<T> =>
        Accept(option, value => value > T.Zero, Describe<T>("a positive whole number", "a positive number"));

    /// <summary>Accepts 0 or a number above it (a whole number for whole-number options).</summary>
    public static Option<T> NonNegative<T>(Option<T> option) where T : struct, INumber<T> =>
        Accept(option, value => value >= T.Zero, Describe<T>("0 or a positive whole number", "0 or a positive number"));

    /// <inheritdoc cref="NonNegative{T}(Option{T})"/>
    public static Option<T?> NonNegative<T>(Option<T?> option) where T : struct, INumber<T> =>
        Accept(option, value => value >= T.Zero, Describe<T>("0 or a positive whole number", "0 or a positive number"));

    /// <summary>Accepts a number in [0, 1].</summary>
    public static Option<double> Probability(Option<double> option) =>
        Accept(option, value => value is >= 0 and <= 1, "a number from 0 to 1");

    /// <summary>Accepts a number in [0, 1): a share that leaves something over, such as a momentum or a label smoothing.</summary>
    public static Option<double> BelowOne(Option<double> option) =>
        Accept(option, value => value is >= 0 and < 1, "a number from 0 up to, but not including, 1");

    /// <inheritdoc cref="BelowOne(Option{double})"/>
    public static Option<double?> BelowOne(Option<double?> option) =>
        Accept(option, value => value is >= 0 and < 1, "a number from 0 up to, but not including, 1");

    /// <summary>Accepts a number in (0, 1]: a share of which something must remain, such as a crop's area.</summary>
    public static Option<double> AboveZeroUpToOne(Option<double> option) =>
        Accept(option, value => value is > 0 and <= 1, "a number above 0 and at most 1");

    /// <summary>Accepts an upper percentile in (50, 100], such as a calibration's clipping point (the lower one is 100 minus it).</summary>
    public static Option<double> UpperPercentile(Option<double> option) =>
        Accept(option, value => value is > 50 and <= 100, "a number above 50 and at most 100");

    /// <summary>
    /// Accepts a name of <typeparamref name="T"/>'s values, written in lower case (<c>auto|cpu|cuda</c>) in the help and
    /// read in any case; anything else is refused with the names, not the enum's type.
    /// </summary>
    public static Option<T> OneOf<T>(Option<T> option) where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(option);
        T[] values = Enum.GetValues<T>();
        string[] names = Enum.GetNames<T>().Select(name => name.ToLowerInvariant()).ToArray();
        option.HelpName = string.Join('|', names);
        option.CustomParser = result =>
        {
            string text = string.Join(' ', result.Tokens.Select(token => token.Value));
            int index = Array.FindIndex(names, name => string.Equals(name, text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                return values[index];
            }
            result.AddError($"{option.Name} must be {string.Join(", ", names[..^1])} or {names[^1]}, not '{text}'.");
            return default;
        };
        return option;
    }

    /// <summary>
    /// Accepts the text <paramref name="parse"/> (a library's parser, such as a label fraction's) reads without an
    /// <see cref="InvalidSettingException"/>; its message, after the option's name, is the error.
    /// </summary>
    /// <typeparam name="TText"><see cref="string"/>, or <c>string?</c> for an option that may be left out.</typeparam>
    /// <typeparam name="T">What the parser reads.</typeparam>
    public static Option<TText> ParsedBy<TText, T>(Option<TText> option, Func<string, T> parse) where TText : class?
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(parse);
        option.Validators.Add(result =>
        {
            try
            {
                parse(result.GetValueOrDefault<TText>() as string ?? "");
            }
            catch (InvalidSettingException error)
            {
                result.AddError($"{option.Name}: {error.Message}");
            }
        });
        return option;
    }

    private static Option<T> Accept<T>(Option<T> option, Func<T, bool> accepts, string accepted) where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = result => TryRead(result, option.Name, accepts, accepted, out T value) ? value : default;
        return option;
    }

    private static Option<T?> Accept<T>(Option<T?> option, Func<T, bool> accepts, string accepted) where T : struct, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = result => TryRead(result, option.Name, accepts, accepted, out T value) ? value : null;
        return option;
    }

    // Reads the option's one token; on failure adds the error the parse result reports, and returns false.
    private static bool TryRead<T>(ArgumentResult result, string name, Func<T, bool> accepts, string accepted, out T value)
        where T : struct, INumber<T>
    {
        string text = string.Join(' ', result.Tokens.Select(token => token.Value));
        NumberStyles styles = IsWhole<T>() ? NumberStyles.Integer : NumberStyles.Float;
        if (T.TryParse(text, styles, CultureInfo.InvariantCulture, out value) && T.IsFinite(value) && accepts(value))
        {
            return true;
        }
        result.AddError($"{name} must be {accepted}, not '{text}'.");
        return false;
    }

    private static string Describe<T>(string whole, string fractional) where T : INumber<T> => IsWhole<T>() ? whole : fractional;

    // A half survives the conversion only into a type with fractions; no reflection, so trimmed and AOT builds keep it.
    private static bool IsWhole<T>() where T : INumber<T> => T.IsInteger(T.CreateTruncating(0.5));
}
