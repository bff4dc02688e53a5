using System.Buffers.Binary;
using System.IO.Compression;

namespace Pipeline.Data;

/// <summary>Reads uint8 IDX files (the MNIST family's format), gzip-compressed or raw, into one array each.</summary>
/// <remarks>
/// IDX: a big-endian int32 magic 0x0000TTRR (TT = 0x08 for uint8, RR = the rank), RR big-endian int32 dimensions, then
/// the data row-major. Compression is detected by the gzip magic bytes 1f 8b, not by the file name. The data is read
/// straight from the (decompressing) stream into the array it is returned in, with no intermediate copy.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic of an images file: uint8, rank 3 [N, H, W].</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of a labels file: uint8, rank 1 [N].</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The images of an IDX images file as a one-channel, unlabelled set whose source is the path.</summary>
    /// <exception cref="DataFormatException">The file is missing, not IDX images, truncated, or corrupt gzip.</exception>
    public static ImageSet ReadImages(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(path, static (stream, path) =>
        {
            int[] dims = ReadHeader(stream, path, ImagesMagic);
            (int count, int height, int width) = (dims[0], dims[1], dims[2]);
            byte[] pixels = ReadBody(stream, path, (long)count * height * width, $"{count} images of {height}x{width}");
            return new ImageSet(path, pixels, count, 1, height, width, null, []);
        });
    }

    /// <summary>The labels of an IDX labels file, one per image.</summary>
    /// <exception cref="DataFormatException">The file is missing, not IDX labels, truncated, or corrupt gzip.</exception>
    public static int[] ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(path, static (stream, path) =>
        {
            int count = ReadHeader(stream, path, LabelsMagic)[0];
            byte[] bytes = ReadBody(stream, path, count, $"{count} labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                labels[i] = bytes[i];
            }
            return labels;
        });
    }

    private static T Read<T>(string path, Func<Stream, string, T> parse)
    {
        using Stream stream = Open(path);
        try
        {
            return parse(stream, path);
        }
        catch (InvalidDataException e)
        {
            // Only GZipStream throws InvalidDataException here.
            throw new DataFormatException(path, $"is a corrupt gzip stream ({e.Message}): fetch the file again.", e);
        }
    }

    private static Stream Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException(path, "does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot be opened: {e.Message}", e);
        }

        Span<byte> magic = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) == magic.Length
            && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static int[] ReadHeader(Stream stream, string path, int expectedMagic)
    {
        Span<byte> word = stackalloc byte[4];
        if (stream.ReadAtLeast(word, word.Length, throwOnEndOfStream: false) < word.Length)
        {
            throw new DataFormatException(path, "is truncated: it is shorter than the 4-byte IDX magic number.");
        }
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic)
        {
            throw new DataFormatException(path,
                $"has magic number 0x{magic:X8} ({Describe(magic)}), expected 0x{expectedMagic:X8} ({Describe(expectedMagic)}).");
        }

        int[] dims = new int[expectedMagic & 0xFF];
        for (int i = 0; i < dims.Length; i++)
        {
            if (stream.ReadAtLeast(word, word.Length, throwOnEndOfStream: false) < word.Length)
            {
                throw new DataFormatException(path, $"is truncated: its header ends before dimension {i + 1} of {dims.Length}.");
            }
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[i] < 0 || (dims[i] == 0 && i > 0))
            {
                throw new DataFormatException(path, $"has an impossible dimension {i + 1} of {dims[i]} in its header.");
            }
        }
        return dims;
    }

    private static byte[] ReadBody(Stream stream, string path, long length, string promised)
    {
        if (length > Array.MaxLength)
        {
            throw new DataFormatException(path, $"promises {promised} ({length} bytes), more than one array can hold.");
        }
        byte[] data = GC.AllocateUninitializedArray<byte>((int)length);
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
        {
            throw new DataFormatException(path,
                $"is truncated: header promises {promised} ({length} bytes) but only {read} follow.");
        }
        if (stream.ReadByte() >= 0)
        {
            throw new DataFormatException(path,
                $"has more data than its header promises ({promised}, {length} bytes): the header or the file is wrong.");
        }
        return data;
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "IDX uint8 images [N, H, W]",
        LabelsMagic => "IDX uint8 labels [N]",
        _ when (magic & unchecked((int)0xFFFF0000)) == 0 => $"IDX of element type 0x{(magic >> 8) & 0xFF:X2} and rank {magic & 0xFF}",
        _ => "not an IDX file",
    };
}
