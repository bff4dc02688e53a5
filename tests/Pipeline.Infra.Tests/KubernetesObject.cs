using Pipeline.Tests;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Infra.Tests;

/// <summary>One Kubernetes object of infra/k8s, read with a YAML parser and navigated by dotted paths.</summary>
internal sealed class KubernetesObject
{
    public static string Folder { get; } = RepositoryRoot.Combine("infra", "k8s");

    private KubernetesObject(string file, YamlMappingNode root)
    {
        File = file;
        Root = root;
    }

    /// <summary>The manifest's file name, for messages.</summary>
    public string File { get; }

    public YamlMappingNode Root { get; }

    public string Kind => Text("kind");

    public string Name => Text("metadata.name");

    /// <summary>The pod spec of a workload (Deployment, Job, CronJob), or null for other kinds.</summary>
    public YamlMappingNode? PodSpec => Kind switch
    {
        "Deployment" or "Job" => Mapping("spec.template.spec"),
        "CronJob" => Mapping("spec.jobTemplate.spec.template.spec"),
        _ => null,
    };

    /// <summary>The pod template's labels of a workload.</summary>
    public YamlMappingNode PodLabels => Kind == "CronJob"
        ? Mapping("spec.jobTemplate.spec.template.metadata.labels")
        : Mapping("spec.template.metadata.labels");

    /// <summary>Every object of infra/k8s except the kustomization, in file-name order.</summary>
    public static IReadOnlyList<KubernetesObject> LoadAll() =>
        Directory.GetFiles(Folder, "*.yaml")
            .Where(path => System.IO.Path.GetFileName(path) != "kustomization.yaml")
            .Order(StringComparer.Ordinal)
            .SelectMany(Load)
            .ToArray();

    public static IReadOnlyList<KubernetesObject> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        return stream.Documents
            .Select(document => document.RootNode as YamlMappingNode
                ?? throw new InvalidDataException($"{path}: a document is not a mapping."))
            .Select(root => new KubernetesObject(System.IO.Path.GetFileName(path), root))
            .ToArray();
    }

    public static KubernetesObject Single(string kind, string name) =>
        LoadAll().SingleOrDefault(o => o.Kind == kind && o.Name == name)
        ?? throw new InvalidDataException($"infra/k8s has no {kind} named {name}.");

    /// <summary>The node at a dotted path, or null where any step is missing.</summary>
    public YamlNode? Find(string path) => Find(Root, path);

    public static YamlNode? Find(YamlNode start, string path)
    {
        YamlNode? node = start;
        foreach (string step in path.Split('.'))
        {
            node = node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(step), out YamlNode? child)
                ? child
                : null;
        }
        return node;
    }

    public string Text(string path) => Text(Root, path, File);

    public static string Text(YamlNode start, string path, string where) =>
        Find(start, path) is YamlScalarNode { Value: { } value }
            ? value
            : throw new InvalidDataException($"{where}: no value at {path}.");

    /// <summary>The text under a key that may itself hold dots (<c>nvidia.com/gpu</c>, <c>nightly.json</c>), or "".</summary>
    public static string Key(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) && value is YamlScalarNode { Value: { } text }
            ? text
            : "";

    public YamlMappingNode Mapping(string path) =>
        Find(path) as YamlMappingNode ?? throw new InvalidDataException($"{File}: no mapping at {path}.");

    public static IEnumerable<YamlMappingNode> Items(YamlNode start, string path) =>
        Find(start, path) is YamlSequenceNode sequence ? sequence.Children.OfType<YamlMappingNode>() : [];

    public static IReadOnlyList<string> Strings(YamlNode start, string path) =>
        Find(start, path) is YamlSequenceNode sequence
            ? sequence.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToArray()
            : [];

    public static IReadOnlyDictionary<string, string> Labels(YamlMappingNode labels) =>
        labels.Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value!);

    public IEnumerable<YamlMappingNode> Containers =>
        PodSpec is { } spec ? Items(spec, "containers") : [];

    public override string ToString() => $"{Kind}/{Name} ({File})";
}
