using System.CommandLine;
using Pipeline.Errors;
using Pipeline.Storage.Registry;

namespace Pipeline.Inference.Cli;

/// <summary>Registry verbs' model arguments, parsed with <see cref="ModelReference"/> so a bad one is refused with its option's name.</summary>
public static class ModelReferenceOption
{
    /// <summary>A required option or argument value that must parse as NAME, NAME@vN or NAME@ALIAS.</summary>
    public static Argument<string> Argument(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(result => Check(result.GetValueOrDefault<string>(), result.AddError));
        return argument;
    }

    public static Option<string> Option(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, Required = true };
        option.Validators.Add(result => Check(result.GetValueOrDefault<string>(), result.AddError));
        return option;
    }

    /// <summary>Adds the parse error of <paramref name="text"/> as a <see cref="ModelReference"/>, if it is not one.</summary>
    public static void Check(string? text, Action<string> addError)
    {
        try
        {
            ModelReference.Parse(text ?? "");
        }
        catch (InvalidSettingException error)
        {
            addError(error.Message);
        }
    }
}
