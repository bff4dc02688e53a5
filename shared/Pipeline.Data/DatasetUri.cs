using Pipeline.Errors;

namespace Pipeline.Data;

/// <summary>
/// A parsed dataset URI: <c>fashion-mnist:train</c>, <c>fashion-mnist:test</c> or <c>folder:PATH</c>; one nested
/// record per form.
/// </summary>
public abstract record DatasetUri
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string AcceptedForms =
        "fashion-mnist:train, fashion-mnist:test, folder:/absolute/path or folder:relative/path";

    private const string FashionMnistScheme = "fashion-mnist";
    private const string FolderScheme = "folder";

    // Private: the nested records are the only forms.
    private DatasetUri()
    {
    }

    /// <summary>Parses a dataset URI; schemes and split names ignore case, the folder path is kept as written.</summary>
    /// <exception cref="InvalidSettingException">The text is none of <see cref="AcceptedForms"/>.</exception>
    public static DatasetUri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        if (colon > 0)
        {
            string scheme = text[..colon];
            string value = text[(colon + 1)..];
            if (scheme.Equals(FashionMnistScheme, StringComparison.OrdinalIgnoreCase))
            {
                foreach (FashionMnistSplit split in Enum.GetValues<FashionMnistSplit>())
                {
                    if (value.Equals(SplitName(split), StringComparison.OrdinalIgnoreCase))
                    {
                        return new FashionMnist(split);
                    }
                }
            }
            else if (scheme.Equals(FolderScheme, StringComparison.OrdinalIgnoreCase) && value.Length > 0)
            {
                return new Folder(value);
            }
        }
        throw new InvalidSettingException($"'{text}' is not a dataset URI; accepted forms: {AcceptedForms}.");
    }

    private static string SplitName(FashionMnistSplit split) => split.ToString().ToLowerInvariant();

    /// <summary>A split of Fashion-MNIST.</summary>
    public sealed record FashionMnist(FashionMnistSplit Split) : DatasetUri
    {
        public override string ToString() => $"{FashionMnistScheme}:{SplitName(Split)}";
    }

    /// <summary>A folder of images, read by <see cref="ImageFolderReader"/>; the path is absolute or relative to the working folder.</summary>
    public sealed record Folder(string Path) : DatasetUri
    {
        public override string ToString() => $"{FolderScheme}:{Path}";
    }
}
