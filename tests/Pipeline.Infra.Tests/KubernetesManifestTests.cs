using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static Pipeline.Infra.Tests.KubernetesObject;

namespace Pipeline.Infra.Tests;

public sealed partial class KubernetesManifestTests
{
    private static readonly IReadOnlyList<KubernetesObject> Objects = LoadAll();

    [Fact]
    public void The_kustomization_lists_every_manifest_and_only_those()
    {
        KubernetesObject kustomization = Load(System.IO.Path.Combine(Folder, "kustomization.yaml")).Single();
        string[] listed = Strings(kustomization.Root, "resources").Order(StringComparer.Ordinal).ToArray();
        string[] present = Directory.GetFiles(Folder, "*.yaml")
            .Select(System.IO.Path.GetFileName)
            .Where(name => name != "kustomization.yaml")
            .Order(StringComparer.Ordinal)
            .ToArray()!;
        Assert.Equal(present, listed);
    }

    [Fact]
    public void Every_object_names_its_api_kind_name_and_namespace()
    {
        Assert.NotEmpty(Objects);
        foreach (KubernetesObject o in Objects)
        {
            Assert.False(string.IsNullOrEmpty(o.Text("apiVersion")), o.ToString());
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", o.Name);
            if (o.Kind != "Namespace")
            {
                Assert.Equal("pipeline", o.Text("metadata.namespace"));
            }
        }
    }

    [Fact]
    public void Every_container_runs_unprivileged_with_a_memory_limit_and_a_kustomized_image()
    {
        KubernetesObject kustomization = Load(System.IO.Path.Combine(Folder, "kustomization.yaml")).Single();
        HashSet<string> images = Items(kustomization.Root, "images").Select(i => Text(i, "name", "kustomization.yaml")).ToHashSet();
        KubernetesObject[] workloads = Objects.Where(o => o.PodSpec is not null).ToArray();
        Assert.Equal(3, workloads.Length);
        foreach (KubernetesObject workload in workloads)
        {
            Assert.Equal("true", Text(workload.PodSpec!, "securityContext.runAsNonRoot", workload.File));
            Assert.Equal("pipeline", Text(workload.PodSpec!, "serviceAccountName", workload.File));
            foreach (YamlMappingNode container in workload.Containers)
            {
                string where = $"{workload} container {Text(container, "name", workload.File)}";
                Assert.Contains(Text(container, "image", where), images);
                Assert.Equal("false", Text(container, "securityContext.allowPrivilegeEscalation", where));
                Assert.Equal(["ALL"], Strings(container, "securityContext.capabilities.drop"));
                Assert.Matches("^[0-9]+(Mi|Gi)$", Text(container, "resources.limits.memory", where));
                AssertEveryMountHasAVolume(workload, container);
            }
        }
    }

    [Fact]
    public void The_nightly_cron_job_never_overlaps_requests_a_gpu_and_reads_its_config()
    {
        KubernetesObject cron = Single("CronJob", "pipeline-nightly");
        Assert.Equal("batch/v1", cron.Text("apiVersion"));
        Assert.Equal("Forbid", cron.Text("spec.concurrencyPolicy"));
        Assert.Equal(5, cron.Text("spec.schedule").Split(' ').Length);
        YamlMappingNode pod = cron.PodSpec!;
        // A pod failure policy requires pods that are never restarted in place.
        Assert.Equal("Never", Text(pod, "restartPolicy", cron.File));
        YamlMappingNode container = Items(pod, "containers").Single();
        Assert.Equal("1", GpuCount(container, "requests"));
        Assert.Equal(GpuCount(container, "requests"), GpuCount(container, "limits"));

        IReadOnlyList<string> args = Strings(container, "args");
        Assert.Equal("nightly", args[0]);
        string configPath = args[args.ToList().IndexOf("--config") + 1];
        YamlMappingNode mount = Items(container, "volumeMounts").Single(m => configPath.StartsWith(Text(m, "mountPath", cron.File) + "/", StringComparison.Ordinal));
        string volumeName = Text(mount, "name", cron.File);
        YamlMappingNode volume = Items(pod, "volumes").Single(v => Text(v, "name", cron.File) == volumeName);
        KubernetesObject config = Single("ConfigMap", Text(volume, "configMap.name", cron.File));
        string json = Key(config.Mapping("data"), System.IO.Path.GetFileName(configPath));
        using JsonDocument nightly = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.String, nightly.RootElement.GetProperty("registry").ValueKind);
        Assert.Equal(JsonValueKind.String, nightly.RootElement.GetProperty("model").ValueKind);
        Assert.Equal("cuda", nightly.RootElement.GetProperty("pretrain").GetProperty("device").GetString());
    }

    [Fact]
    public void The_nightly_failure_policy_names_the_container_it_watches()
    {
        KubernetesObject cron = Single("CronJob", "pipeline-nightly");
        string container = Text(Items(cron.PodSpec!, "containers").Single(), "name", cron.File);
        YamlMappingNode[] rules = Items(cron.Root, "spec.jobTemplate.spec.podFailurePolicy.rules").ToArray();
        Assert.NotEmpty(rules);
        foreach (YamlMappingNode rule in rules.Where(r => Find(r, "onExitCodes") is not null))
        {
            Assert.Equal(container, Text(rule, "onExitCodes.containerName", cron.File));
            Assert.DoesNotContain("0", Strings(rule, "onExitCodes.values"));
        }
    }

    [Fact]
    public void The_server_is_ready_on_readyz_alive_on_healthz_and_reached_through_its_service()
    {
        KubernetesObject deployment = Single("Deployment", "pipeline-server");
        IReadOnlyDictionary<string, string> podLabels = Labels(deployment.PodLabels);
        Assert.All(Labels(deployment.Mapping("spec.selector.matchLabels")), pair => Assert.Equal(pair.Value, podLabels[pair.Key]));

        YamlMappingNode container = deployment.Containers.Single();
        HashSet<string> portNames = Items(container, "ports").Select(p => Text(p, "name", deployment.File)).ToHashSet();
        Assert.Equal("/readyz", Text(container, "readinessProbe.httpGet.path", deployment.File));
        Assert.Equal("/readyz", Text(container, "startupProbe.httpGet.path", deployment.File));
        Assert.Equal("/healthz", Text(container, "livenessProbe.httpGet.path", deployment.File));
        foreach (string probe in new[] { "readinessProbe", "startupProbe", "livenessProbe" })
        {
            Assert.Contains(Text(container, probe + ".httpGet.port", deployment.File), portNames);
        }
        // Binding beyond loopback needs an API key (the server refuses otherwise): the manifest must give one.
        IReadOnlyList<string> args = Strings(container, "args");
        Assert.Equal("serve", args[0]);
        Assert.Contains("--api-key-file", args);
        Assert.DoesNotContain("--insecure", args);

        KubernetesObject service = Single("Service", "pipeline-server");
        Assert.All(Labels(service.Mapping("spec.selector")), pair => Assert.Equal(pair.Value, podLabels[pair.Key]));
        Assert.All(Items(service.Root, "spec.ports"), port => Assert.Contains(Text(port, "targetPort", service.File), portNames));

        KubernetesObject hpa = Single("HorizontalPodAutoscaler", "pipeline-server");
        Assert.Equal("autoscaling/v2", hpa.Text("apiVersion"));
        Assert.Equal("Deployment", hpa.Text("spec.scaleTargetRef.kind"));
        Assert.Equal(deployment.Name, hpa.Text("spec.scaleTargetRef.name"));
        Assert.True(int.Parse(hpa.Text("spec.minReplicas")) <= int.Parse(hpa.Text("spec.maxReplicas")));
        // CPU utilisation targets are relative to requests: a container without a CPU request cannot scale.
        Assert.False(string.IsNullOrEmpty(Text(container, "resources.requests.cpu", deployment.File)));

        KubernetesObject budget = Single("PodDisruptionBudget", "pipeline-server");
        Assert.All(Labels(budget.Mapping("spec.selector.matchLabels")), pair => Assert.Equal(pair.Value, podLabels[pair.Key]));
    }

    [Fact]
    public void The_indexed_embedding_job_gives_each_index_its_own_shard_and_part()
    {
        KubernetesObject job = Single("Job", "pipeline-embed-catalog");
        Assert.Equal("Indexed", job.Text("spec.completionMode"));
        Assert.Equal("Never", Text(job.PodSpec!, "restartPolicy", job.File));
        YamlMappingNode container = job.Containers.Single();
        IReadOnlyList<string> args = Strings(container, "args");
        Assert.Equal("embed", args[0]);
        string OptionValue(string name) => args[args.ToList().IndexOf(name) + 1];
        Assert.Equal(job.Text("spec.completions"), OptionValue("--shard-count"));

        Dictionary<string, YamlMappingNode> env = Items(container, "env").ToDictionary(e => Text(e, "name", job.File));
        foreach (string reference in args.SelectMany(a => VariableReference().Matches(a)).Select(m => m.Groups[1].Value))
        {
            Assert.True(env.ContainsKey(reference), $"{job.File}: args use $({reference}), which the container's env does not define.");
        }
        string index = VariableReference().Match(OptionValue("--shard-index")).Groups[1].Value;
        Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']",
            Text(env[index], "valueFrom.fieldRef.fieldPath", job.File));
        Assert.Contains($"$({index})", OptionValue("--out"));
    }

    private static string GpuCount(YamlMappingNode container, string section) =>
        Find(container, "resources." + section) is YamlMappingNode resources ? Key(resources, "nvidia.com/gpu") : "";

    private static void AssertEveryMountHasAVolume(KubernetesObject workload, YamlMappingNode container)
    {
        HashSet<string> volumes = Items(workload.PodSpec!, "volumes").Select(v => Text(v, "name", workload.File)).ToHashSet();
        foreach (YamlMappingNode mount in Items(container, "volumeMounts"))
        {
            Assert.Contains(Text(mount, "name", workload.File), volumes);
        }
    }

    [GeneratedRegex(@"\$\(([A-Z_][A-Z0-9_]*)\)")]
    private static partial Regex VariableReference();
}
