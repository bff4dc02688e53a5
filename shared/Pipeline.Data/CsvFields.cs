using System.Text;

namespace Pipeline.Data;

/// <summary>CSV fields as RFC 4180 writes them: quoted when they hold a comma, a quote or a line break, quotes doubled.</summary>
public static class CsvFields
{
    /// <summary><paramref name="text"/> as one CSV field.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The fields of one CSV line (no line breaks inside fields), unquoted.</summary>
    /// <exception cref="FormatException">A quoted field is not closed, or text follows its closing quote.</exception>
    public static List<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = new List<string>();
        int at = 0;
        while (true)
        {
            if (at < line.Length && line[at] == '"')
            {
                var field = new StringBuilder();
                at++;
                while (true)
                {
                    int quote = line.IndexOf('"', at);
                    if (quote < 0)
                    {
                        throw new FormatException("a quoted field is not closed.");
                    }
                    field.Append(line, at, quote - at);
                    if (quote + 1 < line.Length && line[quote + 1] == '"')
                    {
                        field.Append('"');
                        at = quote + 2;
                        continue;
                    }
                    at = quote + 1;
                    break;
                }
                fields.Add(field.ToString());
                if (at == line.Length)
                {
                    return fields;
                }
                if (line[at] != ',')
                {
                    throw new FormatException("text follows a quoted field's closing quote.");
                }
                at++;
            }
            else
            {
                int comma = line.IndexOf(',', at);
                if (comma < 0)
                {
                    fields.Add(line[at..]);
                    return fields;
                }
                fields.Add(line[at..comma]);
                at = comma + 1;
            }
        }
    }
}
