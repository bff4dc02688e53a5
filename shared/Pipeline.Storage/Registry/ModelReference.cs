using Pipeline.Errors;

namespace Pipeline.Storage.Registry;

/// <summary>
/// A model as a user names it: <c>NAME@VERSION</c> (<c>fashion-simclr@v3</c>), <c>NAME@ALIAS</c>
/// (<c>fashion-simclr@champion</c>), or <c>NAME</c> alone for <c>NAME@latest</c>.
/// </summary>
public sealed record ModelReference
{
    private ModelReference(string name, ModelVersion? version, string? alias)
    {
        Name = name;
        Version = version;
        Alias = alias;
    }

    public string Name { get; }

    /// <summary>The version named, or null when the reference names an alias.</summary>
    public ModelVersion? Version { get; }

    /// <summary>The alias named, or null when the reference names a version.</summary>
    public string? Alias { get; }

    public static ModelReference ForVersion(string name, ModelVersion version) => new(ModelNames.ValidateModel(name), version, null);

    public static ModelReference ForAlias(string name, string alias) => new(ModelNames.ValidateModel(name), null, ModelNames.ValidateAlias(alias));

    /// <summary>Parses <c>NAME</c>, <c>NAME@vN</c> or <c>NAME@ALIAS</c>.</summary>
    /// <exception cref="InvalidSettingException">The text is none of these, saying which part is wrong.</exception>
    public static ModelReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('@');
        try
        {
            return parts switch
            {
                [string name] => ForAlias(name, ModelNames.Latest),
                [string name, string version] when ModelVersion.TryParse(version, out ModelVersion number) => ForVersion(name, number),
                [string name, string alias] => ForAlias(name, alias),
                _ => throw new InvalidSettingException("it holds more than one '@'."),
            };
        }
        catch (InvalidSettingException error)
        {
            throw new InvalidSettingException($"'{text}' is not a model reference (NAME, NAME@v3 or NAME@ALIAS): {error.Message}", error);
        }
    }

    public override string ToString() => $"{Name}@{(Version is { } version ? version.ToString() : Alias)}";
}
