using System.CommandLine;

namespace Pipeline.Cli;

/// <summary>Checks added to command-line options, so that a bad value is refused with the option's name.</summary>
public static class OptionRules
{
    /// <summary>Adds a check that the value is at least 1.</summary>
    public static Option<int> Positive(Option<int> option) => AtLeast(option, 1, "a positive whole number");

    /// <summary>Adds a check that the value is 0 or more.</summary>
    public static Option<int> NonNegative(Option<int> option) => AtLeast(option, 0, "0 or a positive whole number");

    /// <summary>Adds a check that the value, when given, is positive and finite.</summary>
    public static Option<double?> PositiveNumber(Option<double?> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            double? value = result.GetValueOrDefault<double?>();
            if (value is { } number && !(number > 0 && double.IsFinite(number)))
            {
                result.AddError($"{option.Name} must be a positive number, not {number}.");
            }
        });
        return option;
    }

    private static Option<int> AtLeast(Option<int> option, int minimum, string accepted)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < minimum)
            {
                result.AddError($"{option.Name} must be {accepted}, not {value}.");
            }
        });
        return option;
    }
}
