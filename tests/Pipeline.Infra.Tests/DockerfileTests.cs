using System.Text.RegularExpressions;
using System.Xml.Linq;
using Pipeline.Tests;

namespace Pipeline.Infra.Tests;

/// <summary>
/// The container images cannot be built here (no Docker daemon, no container registry), so these tests hold the
/// Dockerfiles to the repository: what they copy exists, the projects they publish produce the entry point they run,
/// the build switches they pass are the ones the projects know, and no stage runs as root or floats on a moving tag.
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string, string, string> Images => new()
    {
        { "training.Dockerfile", "training/Pipeline.Training.Cli/Pipeline.Training.Cli.csproj", "TorchBackend" },
        { "serving.Dockerfile", "inference/Pipeline.Inference.Cli/Pipeline.Inference.Cli.csproj", "OnnxRuntimeBackend" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void The_image_publishes_the_cli_it_runs(string dockerfile, string project, string backendProperty)
    {
        string text = File.ReadAllText(RepositoryRoot.Combine("infra", "docker", dockerfile));
        Assert.Contains($"dotnet publish {project}", text);
        Assert.Contains($"-p:{backendProperty}=", text);
        string assembly = XDocument.Load(RepositoryRoot.Combine(project.Split('/')))
            .Descendants("AssemblyName").Single().Value;
        foreach (Match entry in EntryPoint().Matches(text))
        {
            Assert.Equal($"/app/{assembly}.dll", entry.Groups[1].Value);
        }
        Assert.NotEmpty(EntryPoint().Matches(text));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Everything_the_image_copies_from_the_context_exists(string dockerfile, string project, string backendProperty)
    {
        _ = (project, backendProperty);
        string text = File.ReadAllText(RepositoryRoot.Combine("infra", "docker", dockerfile));
        string[] sources = ContextCopy().Matches(text).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.NotEmpty(sources);
        foreach (string source in sources)
        {
            string path = RepositoryRoot.Combine(source.TrimEnd('/').Split('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile} copies {source}, which the repository lacks.");
        }
        // The published project's references must all be inside what the image copies.
        string[] copiedFolders = sources.Where(s => s.EndsWith('/')).ToArray();
        foreach (string reference in ProjectClosure(project))
        {
            Assert.True(copiedFolders.Any(folder => reference.StartsWith(folder, StringComparison.Ordinal)),
                $"{dockerfile} publishes {project}, which needs {reference}, outside every folder the image copies.");
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_stage_pins_its_base_image_and_runs_as_a_user(string dockerfile, string project, string backendProperty)
    {
        _ = (project, backendProperty);
        string[] lines = File.ReadAllLines(RepositoryRoot.Combine("infra", "docker", dockerfile));
        string[] bases = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToArray();
        Assert.NotEmpty(bases);
        Assert.All(bases, image => Assert.Matches(@"^[^:]+:[0-9][^:]*$", image));
        // Each final (non-build) stage switches to a numeric non-root user.
        int stages = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("FROM ", StringComparison.Ordinal) || lines[i].EndsWith(" AS build", StringComparison.Ordinal))
            {
                continue;
            }
            stages++;
            string? user = lines.Skip(i + 1).TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal))
                .LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal));
            Assert.True(user is not null && int.TryParse(user[5..], out int uid) && uid > 0, $"{dockerfile}: {lines[i]} runs as root.");
        }
        Assert.True(stages > 0);
    }

    /// <summary>Every project file the given one references, directly or not, as repository-relative paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project) =>
        ProjectGraph.From([RepositoryRoot.Combine(project.Split('/'))]).Projects
            .Select(path => System.IO.Path.GetRelativePath(RepositoryRoot.Path, path).Replace('\\', '/'));

    [GeneratedRegex(@"ENTRYPOINT \[""dotnet"", ""([^""]+)""\]")]
    private static partial Regex EntryPoint();

    /// <summary>COPY lines that take from the build context (not from another stage): their sources, without the destination.</summary>
    [GeneratedRegex(@"^COPY (?!--from)((?:\S+ )+)\S+$", RegexOptions.Multiline)]
    private static partial Regex ContextCopy();
}
