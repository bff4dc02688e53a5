using Pipeline.Tests;

namespace Pipeline.Inference.Tests;

/// <summary>The inference half must run on ONNX Runtime alone: no TorchSharp, no training code, directly or not.</summary>
public sealed class ReferencesTests
{
    private static readonly string[] Forbidden = ["TorchSharp", "libtorch", "Pipeline.Training"];

    [Fact]
    public void InferenceProjects_ReferenceNeitherTorchSharpNorTraining_EvenThroughOtherProjects()
    {
        string[] projects = Directory.GetFiles(RepositoryRoot.Combine("inference"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);

        ProjectGraph graph = ProjectGraph.From(projects);
        string[] references = [.. graph.Projects, .. graph.PackagesAndImports];

        Assert.Contains(references, reference => reference.EndsWith("Pipeline.Onnx.csproj", StringComparison.Ordinal));
        Assert.DoesNotContain(references, reference => Forbidden.Any(name => reference.Contains(name, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void EmbeddingLibrary_NeedsOnnxRuntimeImageDecodingTheMetadataContractAndTheFileFoundationOnly()
    {
        ProjectGraph graph = ProjectGraph.From([RepositoryRoot.Combine("inference", "Pipeline.Inference", "Pipeline.Inference.csproj")]);

        Assert.Equal(["Pipeline.Data", "Pipeline.Errors", "Pipeline.Inference", "Pipeline.Onnx.Contract", "Pipeline.Runs"], graph.Projects.Select(Path.GetFileNameWithoutExtension).Order());
        Assert.All(graph.PackagesAndImports, reference => Assert.Contains(reference, (string[])
        [
            "../OnnxRuntime.Backend.props", "Microsoft.Extensions.Logging.Abstractions", "System.Numerics.Tensors",
            "SkiaSharp", "SkiaSharp.NativeAssets.Linux.NoDependencies",
        ]));
    }

    [Fact]
    public void EdgeCli_NeedsTheEmbeddingLibraryAndTheCliCoreOnly_NoStoreRegistryOrTraining()
    {
        ProjectGraph graph = ProjectGraph.From([RepositoryRoot.Combine("inference", "Pipeline.Inference.Embed", "Pipeline.Inference.Embed.csproj")]);

        Assert.Equal(
            ["Pipeline.Cli.Core", "Pipeline.Data", "Pipeline.Errors", "Pipeline.Inference", "Pipeline.Inference.Embed", "Pipeline.Onnx.Contract", "Pipeline.Runs"],
            graph.Projects.Select(Path.GetFileNameWithoutExtension).Order());
        Assert.All(graph.PackagesAndImports, reference => Assert.Contains(reference, (string[])
        [
            "../OnnxRuntime.Backend.props", "System.CommandLine", "Microsoft.Extensions.Logging.Abstractions", "System.Numerics.Tensors",
            "SkiaSharp", "SkiaSharp.NativeAssets.Linux.NoDependencies",
        ]));
    }

    [Fact]
    public void BuiltDependencies_HoldNoTorchSharp()
    {
        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Pipeline.Inference.Tests.deps.json"));

        Assert.Contains("Microsoft.ML.OnnxRuntime", deps);
        Assert.Contains("Pipeline.Inference", deps);
        Assert.DoesNotContain(Forbidden, name => deps.Contains(name, StringComparison.OrdinalIgnoreCase));
    }
}
