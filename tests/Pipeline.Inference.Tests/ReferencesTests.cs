using System.Xml.Linq;

namespace Pipeline.Inference.Tests;

/// <summary>The inference half must run on ONNX Runtime alone: no TorchSharp, no training code, directly or not.</summary>
public sealed class ReferencesTests
{
    private static readonly string[] Forbidden = ["TorchSharp", "libtorch", "Pipeline.Training"];

    [Fact]
    public void InferenceProjects_ReferenceNeitherTorchSharpNorTraining_EvenThroughOtherProjects()
    {
        string root = RepositoryRoot();
        string[] projects = Directory.GetFiles(Path.Combine(root, "inference"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var references = new List<string>();
        var pending = new Stack<string>(projects.Select(Path.GetFullPath));
        while (pending.TryPop(out string? project))
        {
            if (!seen.Add(project))
            {
                continue;
            }
            XDocument document = XDocument.Load(project);
            foreach (XElement element in document.Descendants())
            {
                string? include = element.Attribute("Include")?.Value;
                if (include is null)
                {
                    continue;
                }
                if (element.Name.LocalName == "ProjectReference")
                {
                    string referenced = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include));
                    references.Add(referenced);
                    pending.Push(referenced);
                }
                else if (element.Name.LocalName is "PackageReference" or "Import")
                {
                    references.Add(include);
                }
            }
        }

        Assert.Contains(references, reference => reference.EndsWith("Pipeline.Onnx.csproj", StringComparison.Ordinal));
        Assert.DoesNotContain(references, reference => Forbidden.Any(name => reference.Contains(name, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void BuiltDependencies_HoldNoTorchSharp()
    {
        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Pipeline.Inference.Tests.deps.json"));

        Assert.Contains("Microsoft.ML.OnnxRuntime", deps);
        Assert.Contains("Pipeline.Inference", deps);
        Assert.DoesNotContain(Forbidden, name => deps.Contains(name, StringComparison.OrdinalIgnoreCase));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Pipeline.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No Pipeline.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
