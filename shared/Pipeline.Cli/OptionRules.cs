using System.CommandLine;

namespace Pipeline.Cli;

/// <summary>Checks added to command-line options, so that a bad value is refused with the option's name.</summary>
public static class OptionRules
{
    /// <summary>Adds a check that the value is at least 1.</summary>
    public static Option<int> Positive(Option<int> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 1)
            {
                result.AddError($"{option.Name} must be a positive whole number, not {value}.");
            }
        });
        return option;
    }

    /// <summary>Adds a check that the value is 0 or more.</summary>
    public static Option<int> NonNegative(Option<int> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 0)
            {
                result.AddError($"{option.Name} must be 0 or a positive whole number, not {value}.");
            }
        });
        return option;
    }

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
}
