namespace Pipeline.Data.Tests;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("pipeline-data-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside the folder, its parent folders created.</summary>
    public string File(string relative)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
