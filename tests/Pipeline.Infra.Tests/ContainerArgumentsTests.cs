using System.CommandLine;
using System.Text.RegularExpressions;
using Pipeline.Inference.Cli;
using Pipeline.Training.Cli;
using Pipeline.Training.Optimization;
using Pipeline.Training.Pretraining;
using Pipeline.Training.Registry.Nightly;
using YamlDotNet.RepresentationModel;
using static Pipeline.Infra.Tests.KubernetesObject;

namespace Pipeline.Infra.Tests;

/// <summary>What the manifests ask the containers to run is what the CLIs accept: parsed by the real commands.</summary>
public sealed partial class ContainerArgumentsTests
{
    public static TheoryData<string> Workloads => new(LoadAll().Where(o => o.PodSpec is not null).Select(o => o.Name));

    [Theory]
    [MemberData(nameof(Workloads))]
    public void The_container_arguments_parse_with_the_cli_of_the_image(string name)
    {
        KubernetesObject workload = LoadAll().Single(o => o.Name == name && o.PodSpec is not null);
        foreach (YamlMappingNode container in workload.Containers)
        {
            string image = Text(container, "image", workload.File);
            // Kubernetes expands $(VAR) from the container's env; any value of the right kind stands in for it here.
            string[] args = Strings(container, "args").Select(arg => VariableReference().Replace(arg, "3")).ToArray();
            RootCommand cli = image switch
            {
                "pipeline-train" => TrainCommand.Create(),
                "pipeline-infer" => InferCommand.Create(),
                _ => throw new InvalidDataException($"{workload}: no CLI for image {image}."),
            };
            ParseResult parse = cli.Parse(args);
            Assert.True(parse.Errors.Count == 0,
                $"{workload}: `{image} {string.Join(' ', args)}` does not parse: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void The_nightly_configuration_loads_into_its_pretraining_options()
    {
        KubernetesObject config = Single("ConfigMap", "pipeline-nightly");
        string path = Path.Combine(Path.GetTempPath(), $"nightly-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Key(config.Mapping("data"), "nightly.json"));
        try
        {
            NightlyConfig nightly = NightlyConfig.Load(path);
            Assert.IsType<SimClrPretrainOptions>(nightly.Pretrain);
            Assert.Equal(("resnet18", 512, OptimizerKind.Lars, "cuda"),
                (nightly.Pretrain.Encoder, nightly.Pretrain.BatchSize, nightly.Pretrain.Optimizer, nightly.Pretrain.Device));
            Assert.Equal("linear-10%", nightly.Metric);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"\$\(([A-Z_][A-Z0-9_]*)\)")]
    private static partial Regex VariableReference();
}
