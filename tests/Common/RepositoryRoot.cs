namespace Pipeline.Tests;

/// <summary>The repository the tests run from: the folder above the test binaries that holds Pipeline.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path inside the repository, from its parts.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>The configuration the tests were built in (Debug, Release): every project of the build was built so.</summary>
    public static string Configuration => BuildOutput[1];

    /// <summary>
    /// Where the project in <paramref name="projectFolder"/> (a path inside the repository) wrote its build: its
    /// <c>bin/CONFIGURATION/TFM/RID</c>, the same as the tests'.
    /// </summary>
    public static string BuildOutputOf(params string[] projectFolder) => System.IO.Path.Combine([Path, .. projectFolder, .. BuildOutput]);

    // The test binaries' folder ends in bin/CONFIGURATION/TFM/RID.
    private static string[] BuildOutput => AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar)
        .Split(System.IO.Path.DirectorySeparatorChar)[^4..];

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
