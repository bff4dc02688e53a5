using Pipeline.Errors;

namespace Pipeline.Cli;

/// <summary>
/// A library's error about one of its settings (<see cref="InvalidSettingException.Setting"/>) in the words of the verb
/// whose option sets it: the libraries name their settings, never a CLI flag, and the verbs' options bear the same names.
/// </summary>
public static class OptionErrors
{
    /// <summary>Runs <paramref name="call"/>, turning its error about one setting into a usage error naming the option: "--lr must be …".</summary>
    public static T Named<T>(Func<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return call();
        }
        catch (InvalidSettingException error) when (error.Setting is not null)
        {
            throw new UsageException(Message(error));
        }
    }

    /// <summary>Awaits <paramref name="call"/>, turning its error about one setting into a usage error naming the option.</summary>
    public static Task NamedAsync(Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return NamedAsync(async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>Awaits <paramref name="call"/>, turning its error about one setting into a usage error naming the option.</summary>
    public static async Task<T> NamedAsync<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (InvalidSettingException error) when (error.Setting is not null)
        {
            throw new UsageException(Message(error));
        }
    }

    /// <summary>The error naming the option that sets its setting, and the options its advice mentions: "--lr must be a positive number, not -1.".</summary>
    public static string Message(InvalidSettingException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Describe(setting => $"--{setting}");
    }
}
