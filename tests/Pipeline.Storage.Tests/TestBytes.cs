namespace Pipeline.Storage.Tests;

/// <summary>Reproducible pseudo-random content for uploads.</summary>
internal static class TestBytes
{
    public static byte[] Random(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string File(string path, int length, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, Random(length, seed));
        return path;
    }
}
