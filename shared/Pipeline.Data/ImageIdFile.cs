using System.Text;
using Pipeline.Runs;

namespace Pipeline.Data;

/// <summary>
/// A file that lists images by id (see <see cref="ImageIds"/>): the CSV <c>pipeline-infer select</c> writes (a header whose
/// first column is <c>id</c>), or plain text with one id per line. Only the first column is read; blank lines are skipped.
/// </summary>
public static class ImageIdFile
{
    /// <summary>The first column's header in files that have one.</summary>
    public const string IdColumn = "id";

    /// <summary>The ids the file lists, in order.</summary>
    /// <exception cref="DataFormatException">The file is missing, lists no ids, or a line is not CSV.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "does not exist: give a list of images, one id per line, or the CSV pipeline-infer select wrote.");
        }
        var ids = new List<string>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            string first;
            try
            {
                first = CsvFields.Split(line)[0];
            }
            catch (FormatException error)
            {
                throw new DataFormatException(path, $"line {number} is not CSV: {error.Message}", error);
            }
            if (number == 1 && first == IdColumn)
            {
                continue;
            }
            ids.Add(first);
        }
        if (ids.Count == 0)
        {
            throw new DataFormatException(path, "lists no images: give one id per line, or the CSV pipeline-infer select wrote.");
        }
        return ids;
    }

    /// <summary>Writes <paramref name="ids"/> under an <c>id</c> header, one per line, whole or not at all: what <see cref="Read"/> reads back.</summary>
    public static void Write(string path, IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder().Append(IdColumn).Append('\n');
        foreach (string id in ids)
        {
            text.Append(CsvFields.Quote(id)).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
