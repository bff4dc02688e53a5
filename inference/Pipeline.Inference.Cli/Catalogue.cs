using Pipeline.Cli;
using Pipeline.Data;

namespace Pipeline.Inference.Cli;

/// <summary>
/// The images an <c>index</c> verb takes from <c>--data</c>, by id (<see cref="ImageIds"/>). A folder is listed, and only
/// the images asked for are decoded, so adding a few new images to a large catalogue reads those few; a built-in dataset
/// is loaded whole.
/// </summary>
internal sealed class Catalogue
{
    private readonly ImageSet? _loaded;
    private readonly string? _folder;
    private readonly ImageShape _shape;
    private readonly Dictionary<string, int> _indexOf;

    private Catalogue(string source, IReadOnlyList<string> ids, ImageShape shape, ImageSet? loaded, string? folder)
    {
        Source = source;
        Ids = ids;
        _shape = shape;
        _loaded = loaded;
        _folder = folder;
        _indexOf = ids.Select((id, index) => (id, index)).ToDictionary(pair => pair.id, pair => pair.index, StringComparer.Ordinal);
    }

    /// <summary>The dataset URI, for messages.</summary>
    public string Source { get; }

    /// <summary>Every image's id, in the dataset's order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Lists (a folder) or loads (a built-in dataset) the images of <paramref name="uri"/> for a model reading <paramref name="shape"/>.</summary>
    /// <exception cref="UsageException">The images cannot be converted to the model's input; the message names <paramref name="option"/>.</exception>
    public static Catalogue Open(string option, string uri, ImageShape shape, CancellationToken cancellationToken)
    {
        if (DatasetUri.Parse(uri) is DatasetUri.Folder folder)
        {
            if (shape.Channels is not (1 or 3))
            {
                throw new UsageException($"{option} {uri} does not fit the model: images are read with 1 (grey) or 3 (RGB) channels, the model reads {shape.Channels}.");
            }
            return new Catalogue(uri, ImageFolderReader.ListImageFiles(folder.Path), shape, null, folder.Path);
        }
        ImageSet set = DatasetOption.Load(option, uri, shape, cancellationToken);
        return new Catalogue(uri, Enumerable.Range(0, set.Count).Select(i => ImageIds.Of(set, i)).ToArray(), shape, set, null);
    }

    /// <summary>
    /// The ids of a file (<paramref name="option"/> <paramref name="path"/>) that lists images of the catalogue, in the
    /// file's order.
    /// </summary>
    /// <exception cref="UsageException">The file cannot be read, names an image the catalogue does not hold, or one twice.</exception>
    public IReadOnlyList<string> Listed(string option, string path)
    {
        IReadOnlyList<string> ids = ImageIdOption.Read(option, path);
        string[] unknown = ids.Where(id => !_indexOf.ContainsKey(id)).ToArray();
        if (unknown.Length > 0)
        {
            string form = _folder is null ? $"an index from 0 to {Ids.Count - 1}" : $"a path relative to the folder, such as {Ids[0]}";
            throw new UsageException($"{option} {path} names {unknown.Length} image(s) that {Source} does not hold ({Few(unknown)}): an id is {form}.");
        }
        string[] repeated = ids.GroupBy(id => id, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();
        if (repeated.Length > 0)
        {
            throw new UsageException($"{option} {path} names {repeated.Length} image(s) more than once ({Few(repeated)}): list each image once.");
        }
        return ids;
    }

    /// <summary>The images with <paramref name="ids"/>, decoded to the model's input: [N, C, H, W] bytes in the order of the ids.</summary>
    /// <exception cref="DataFormatException">An image file does not decode.</exception>
    public byte[] Decode(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (_loaded is not null)
        {
            return _loaded.Select(ids.Select(id => _indexOf[id]).ToArray()).Pixels;
        }
        return ImageFolderReader.DecodeFiles(ids.Select(id => Path.Combine(_folder!, id)).ToArray(), _shape, cancellationToken);
    }

    private static string Few(string[] ids) =>
        string.Join(", ", ids.Take(5).Select(id => $"'{id}'")) + (ids.Length > 5 ? $" and {ids.Length - 5} more" : "");
}
