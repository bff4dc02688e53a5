using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Data;
using Pipeline.Runs;

namespace Pipeline.Inference.Embed;

/// <summary>
/// Writes [N, D] embeddings with the names of the images they came from, as .npy, .csv or .jsonl; each file whole or not
/// at all (<see cref="AtomicFile"/>).
/// </summary>
public static class EmbeddingFileWriter
{
    /// <summary>The format an output path's extension names.</summary>
    /// <exception cref="UsageException">The extension is none of .npy, .csv, .jsonl.</exception>
    public static EmbeddingFileFormat FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".npy" => EmbeddingFileFormat.Npy,
            ".csv" => EmbeddingFileFormat.Csv,
            ".jsonl" => EmbeddingFileFormat.Jsonl,
            string other => throw new UsageException(
                $"--out {path}: '{other}' is not a format embed writes; end the name in .npy, .csv or .jsonl."),
        };
    }

    /// <summary>The file beside a .npy output that holds its rows' names.</summary>
    public static string NamesPath(string npyPath) => Path.ChangeExtension(npyPath, ".files.txt");

    /// <summary>Writes <paramref name="embeddings"/> ([names.Count, dim], row-major) to <paramref name="path"/>.</summary>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(string path, IReadOnlyList<string> names, float[] embeddings, int dim)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Length != names.Count * dim)
        {
            throw new ArgumentException($"{embeddings.Length} values are not {names.Count} embeddings of {dim}.", nameof(embeddings));
        }
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        Directory.CreateDirectory(folder!);
        switch (FormatOf(path))
        {
            case EmbeddingFileFormat.Npy:
                AtomicFile.Write(path, stream => WriteNpy(stream, embeddings, names.Count, dim));
                AtomicFile.Write(NamesPath(path), stream => WriteLines(stream, names));
                return [path, NamesPath(path)];
            case EmbeddingFileFormat.Csv:
                AtomicFile.Write(path, stream => WriteCsv(stream, names, embeddings, dim));
                return [path];
            default:
                AtomicFile.Write(path, stream => WriteJsonl(stream, names, embeddings, dim));
                return [path];
        }
    }

    // NumPy format 1.0: magic, version, little-endian header length, a dict padded so the data starts at a multiple of 64.
    private static void WriteNpy(Stream stream, float[] embeddings, int count, int dim)
    {
        string dictionary = string.Create(CultureInfo.InvariantCulture,
            $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({count}, {dim}), }}");
        int unpadded = 10 + dictionary.Length + 1;
        string header = dictionary + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write((byte)0x93);
        writer.Write("NUMPY"u8);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header));
        foreach (float value in embeddings)
        {
            writer.Write(value); // BinaryWriter writes little-endian on every platform
        }
    }

    // UTF-8 without a byte-order mark, a line each, as File.WriteAllLines writes them.
    private static void WriteLines(Stream stream, IReadOnlyList<string> lines)
    {
        using StreamWriter writer = Text(stream);
        foreach (string line in lines)
        {
            writer.WriteLine(line);
        }
    }

    private static void WriteCsv(Stream stream, IReadOnlyList<string> names, float[] embeddings, int dim)
    {
        using StreamWriter writer = Text(stream);
        writer.Write("file");
        for (int d = 0; d < dim; d++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $",e{d}"));
        }
        writer.WriteLine();
        for (int i = 0; i < names.Count; i++)
        {
            writer.Write(CsvFields.Quote(names[i]));
            for (int d = 0; d < dim; d++)
            {
                writer.Write(',');
                writer.Write(embeddings[i * dim + d].ToString("R", CultureInfo.InvariantCulture));
            }
            writer.WriteLine();
        }
    }

    private static void WriteJsonl(Stream stream, IReadOnlyList<string> names, float[] embeddings, int dim)
    {
        for (int i = 0; i < names.Count; i++)
        {
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteString("file", names[i]);
                json.WriteStartArray("embedding");
                for (int d = 0; d < dim; d++)
                {
                    json.WriteNumberValue(embeddings[i * dim + d]);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }

    private static StreamWriter Text(Stream stream) => new(stream, new UTF8Encoding(false), leaveOpen: true);
}
