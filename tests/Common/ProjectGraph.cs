using System.Xml.Linq;

namespace Pipeline.Tests;

/// <summary>What an MSBuild project pulls in, directly or through the projects it references.</summary>
internal sealed class ProjectGraph
{
    private ProjectGraph(IReadOnlyList<string> projects, IReadOnlyList<string> packagesAndImports)
    {
        Projects = projects;
        PackagesAndImports = packagesAndImports;
    }

    /// <summary>Every project file reached, the starting ones included, as full paths.</summary>
    public IReadOnlyList<string> Projects { get; }

    /// <summary>The Include of every PackageReference and Import met on the way.</summary>
    public IReadOnlyList<string> PackagesAndImports { get; }

    /// <summary>Walks the ProjectReferences from the given project files.</summary>
    public static ProjectGraph From(IEnumerable<string> startProjects)
    {
        var seen = new List<string>();
        var packages = new List<string>();
        var pending = new Stack<string>(startProjects.Select(System.IO.Path.GetFullPath));
        while (pending.TryPop(out string? project))
        {
            if (seen.Contains(project, StringComparer.Ordinal))
            {
                continue;
            }
            seen.Add(project);
            foreach (XElement element in XDocument.Load(project).Descendants())
            {
                string? include = element.Attribute("Include")?.Value;
                if (include is null)
                {
                    continue;
                }
                if (element.Name.LocalName == "ProjectReference")
                {
                    pending.Push(System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(project)!, include)));
                }
                else if (element.Name.LocalName is "PackageReference" or "Import")
                {
                    packages.Add(include);
                }
            }
        }
        return new ProjectGraph(seen, packages);
    }
}
