using System.Text.RegularExpressions;
using Pipeline.Errors;

namespace Pipeline.Storage.Registry;

/// <summary>
/// What model and alias names may be: lower case, so that the same name means the same model on a case-insensitive file
/// system and in a blob container, and an alias never looks like a version.
/// </summary>
public static partial class ModelNames
{
    /// <summary>The alias every publish moves to the version it writes (unless a newer one holds it).</summary>
    public const string Latest = "latest";

    /// <summary>The alias <c>promote</c> sets by default: the version serving should use.</summary>
    public const string Champion = "champion";

    /// <summary>Throws <see cref="InvalidSettingException"/> unless <paramref name="name"/> is 1-64 of a-z 0-9 . _ -, starting with a letter or digit.</summary>
    public static string ValidateModel(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ModelPattern().IsMatch(name)
            ? name
            : throw new InvalidSettingException(
                $"'{name}' is not a model name: use 1-64 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (such as fashion-simclr).");
    }

    /// <summary>Throws <see cref="InvalidSettingException"/> unless <paramref name="alias"/> is 1-64 of a-z 0-9 -, starting with a letter, and not a version (v3).</summary>
    public static string ValidateAlias(string alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return AliasPattern().IsMatch(alias) && !VersionLike().IsMatch(alias)
            ? alias
            : throw new InvalidSettingException(
                $"'{alias}' is not an alias name: use 1-64 lower-case letters, digits and '-', starting with a letter, and not of the form v1, v2 (those are versions).");
    }

    /// <summary>Throws <see cref="InvalidSettingException"/> unless <paramref name="publishId"/> is 1-128 of A-Z a-z 0-9 . _ - (<see cref="PublishRequest.PublishId"/>).</summary>
    public static string ValidatePublishId(string publishId)
    {
        ArgumentNullException.ThrowIfNull(publishId);
        return PublishIdPattern().IsMatch(publishId)
            ? publishId
            : throw new InvalidSettingException(
                $"'{publishId}' is not a publish id: use 1 to 128 letters, digits, '.', '_' and '-' (a run's name will do, such as nightly-20261204-010000).");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelPattern();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex PublishIdPattern();

    // v0 and v01 are not versions, but a reader would take them for one.
    [GeneratedRegex("^v[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionLike();
}
