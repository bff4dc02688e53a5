namespace Pipeline.Tests;

/// <summary>The repository the tests run from: the folder above the test binaries that holds Pipeline.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path inside the repository, from its parts.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "Pipeline.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No Pipeline.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
