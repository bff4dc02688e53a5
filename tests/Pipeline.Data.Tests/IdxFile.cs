using System.Buffers.Binary;
using System.IO.Compression;

namespace Pipeline.Data.Tests;

/// <summary>Writes IDX files for tests, gzip-compressed or raw, from a header and data that may disagree on purpose.</summary>
internal static class IdxFile
{
    /// <summary>The bytes of an IDX file: magic, big-endian dimensions, data.</summary>
    public static byte[] Bytes(int magic, int[] dims, byte[] data)
    {
        byte[] bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return compressed.ToArray();
    }

    public static void WriteImages(string path, int count, int height, int width, byte[] pixels, bool gzip = true) =>
        File.WriteAllBytes(path, Encode(Bytes(IdxReader.ImagesMagic, [count, height, width], pixels), gzip));

    public static void WriteLabels(string path, byte[] labels, bool gzip = true) =>
        File.WriteAllBytes(path, Encode(Bytes(IdxReader.LabelsMagic, [labels.Length], labels), gzip));

    /// <summary>Pixels 0, 1, 2, … wrapping at 256, so any misplaced byte shows.</summary>
    public static byte[] Ramp(int length) => Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

    private static byte[] Encode(byte[] bytes, bool gzip) => gzip ? Gzip(bytes) : bytes;
}
