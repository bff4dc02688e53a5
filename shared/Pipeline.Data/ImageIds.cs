using System.Globalization;

namespace Pipeline.Data;

/// <summary>
/// How an image of an <see cref="ImageSet"/> is named in files people edit (a list of images to label, a labelled set):
/// its path relative to the folder for a folder dataset, its 0-based index for a built-in dataset such as Fashion-MNIST.
/// </summary>
public static class ImageIds
{
    /// <summary>The id of image <paramref name="index"/> of <paramref name="set"/>.</summary>
    public static string Of(ImageSet set, int index)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, set.Count);
        return set.FileNames is { } names ? names[index] : index.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The indices of the images <paramref name="ids"/> name, in the order given.</summary>
    /// <exception cref="DataFormatException">
    /// An id names no image of the set, or an image is named twice; the message lists the first few and says what ids look like.
    /// </exception>
    public static int[] Resolve(ImageSet set, IReadOnlyList<string> ids, string source)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(source);
        Dictionary<string, int>? byName = set.FileNames?.Select((name, index) => (name, index)).ToDictionary(pair => pair.name, pair => pair.index, StringComparer.Ordinal);
        int[] indices = new int[ids.Count];
        var unknown = new List<string>();
        var seen = new HashSet<int>();
        var repeated = new List<string>();
        for (int i = 0; i < ids.Count; i++)
        {
            string id = ids[i];
            int index = byName is null
                ? int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed < set.Count ? parsed : -1
                : byName.GetValueOrDefault(id, -1);
            if (index < 0)
            {
                unknown.Add(id);
            }
            else if (!seen.Add(index))
            {
                repeated.Add(id);
            }
            indices[i] = index;
        }
        if (unknown.Count > 0)
        {
            string form = byName is null
                ? $"an index from 0 to {set.Count - 1}"
                : "a path relative to the folder, as select and embed write it (for example " + set.FileNames![0] + ")";
            throw new DataFormatException(source,
                $"names {unknown.Count} image(s) that {set.Source} does not hold ({Few(unknown)}): an id is {form}.");
        }
        if (repeated.Count > 0)
        {
            throw new DataFormatException(source, $"names {repeated.Count} image(s) more than once ({Few(repeated)}): list each image once.");
        }
        return indices;
    }

    private static string Few(List<string> ids) =>
        string.Join(", ", ids.Take(5).Select(id => $"'{id}'")) + (ids.Count > 5 ? $" and {ids.Count - 5} more" : "");
}
