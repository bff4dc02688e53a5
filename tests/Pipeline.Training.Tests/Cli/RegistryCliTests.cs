using System.Text.Json;
using Pipeline.Training.Tests.Export;

namespace Pipeline.Training.Tests.Cli;

/// <summary>The registry chain through both real CLIs: pipeline-train publish, then pipeline-infer registry and pull.</summary>
[Collection(TorchCollection.Name)]
public sealed class RegistryCliTests
{
    [Fact]
    public void Publish_AgainWithTheSamePublishId_CompletesThatVersionInsteadOfASecond()
    {
        using var folder = new TempDirectory();
        string run = folder.File("tiny-run");
        string registry = "file:" + folder.File("registry");
        (int trained, _, string trainError) = CliProcess.Run(["pretrain", "--out", run, .. ExportCommandTests.Tiny]);
        Assert.True(trained == 0, trainError);

        (int code, string output, string error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "m", "--publish-id", "night-7");
        Assert.True(code == 0, error);
        Assert.StartsWith("published m@v1 ", output);
        // The same id again, as after a failure past the manifest: the version it started, not v2.
        (code, output, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "m", "--publish-id", "night-7");
        Assert.True(code == 0, error);
        Assert.StartsWith("published m@v1 ", output);
        (code, output, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "m", "--publish-id", "night-8");
        Assert.True(code == 0, error);
        Assert.StartsWith("published m@v2 ", output);

        (code, _, error) = CliProcess.Run("publish", "--run", run, "--registry", "file:" + folder.File("other"), "--name", "m", "--publish-id", "two words");
        Assert.Equal(2, code);
        Assert.Contains("--publish-id: 'two words' is not a publish id", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(folder.File("other")));
    }

    [Fact]
    public void PublishListPromotePull_OnAFolderRegistry_DeliversTheRunsFilesVerified()
    {
        using var folder = new TempDirectory();
        string run = folder.File("tiny-run");
        string registry = "file:" + folder.File("registry");
        (int trained, _, string trainError) = CliProcess.Run(["pretrain", "--out", run, .. ExportCommandTests.Tiny]);
        Assert.True(trained == 0, trainError);
        File.WriteAllText(folder.File("tiny-run/report/summary.md"), "# tiny run\n");

        (int code, string output, string error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "fashion-tiny");
        Assert.True(code == 0, error);
        Assert.StartsWith("published fashion-tiny@v1 to file:", output);
        Assert.Contains("; latest → v1", output);
        (code, output, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "fashion-tiny");
        Assert.True(code == 0, error);
        Assert.Contains("published fashion-tiny@v2", output);

        (code, output, error) = CliProcess.RunInfer("registry", "list", "--registry", registry);
        Assert.True(code == 0, error);
        Assert.Equal("fashion-tiny  latest → v2", output.Trim());
        (code, output, error) = CliProcess.RunInfer("registry", "list", "fashion-tiny", "--registry", registry);
        Assert.True(code == 0, error);
        string[] versions = output.Trim().Split('\n');
        Assert.Equal(2, versions.Length);
        Assert.StartsWith("v1 ", versions[0]);
        Assert.Contains("run tiny-run", versions[0]);
        Assert.EndsWith("[latest]", versions[1]);

        (code, output, error) = CliProcess.RunInfer("registry", "promote", "fashion-tiny@v1", "--registry", registry);
        Assert.True(code == 0, error);
        Assert.Equal("fashion-tiny@champion → v1 (was nothing)", output.Trim());

        string pulled = folder.File("pulled/x");
        pulled = Path.GetDirectoryName(pulled)!;
        (code, output, error) = CliProcess.RunInfer("pull", "--registry", registry, "--model", "fashion-tiny@champion", "--out", pulled);
        Assert.True(code == 0, error);
        Assert.Contains("pulled fashion-tiny@v1 (via fashion-tiny@champion)", output);
        Assert.Contains("SHA-256 verified", output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(run, "encoder.onnx")), File.ReadAllBytes(Path.Combine(pulled, "encoder.onnx")));
        Assert.Equal("# tiny run\n", File.ReadAllText(Path.Combine(pulled, "report", "summary.md")));
        Assert.True(File.Exists(Path.Combine(pulled, "run.json")));

        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(pulled, "manifest.json")));
        JsonElement lineage = manifest.RootElement.GetProperty("lineage");
        Assert.Equal("tiny-run", lineage.GetProperty("run").GetString());
        Assert.Equal(64, lineage.GetProperty("config").GetProperty("limit").GetInt32());
        Assert.Matches("^[0-9a-f]{40}$", lineage.GetProperty("sourceCommit").GetString());
        Assert.Equal("simclr", lineage.GetProperty("properties").GetProperty("method").GetString());
        // pretrain drew the report; everything under report/ travels with the model, in path order.
        string[] report = Directory.GetFiles(Path.Combine(run, "report"), "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(run, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Contains("report/README.md", report);
        Assert.Equal(["encoder.onnx", "run.json", .. report],
            manifest.RootElement.GetProperty("files").EnumerateArray().Select(file => file.GetProperty("path").GetString()));

        (code, output, error) = CliProcess.RunInfer("registry", "show", "fashion-tiny", "--registry", registry);
        Assert.True(code == 0, error);
        Assert.Equal("v2", JsonDocument.Parse(output).RootElement.GetProperty("version").GetString());

        (code, _, error) = CliProcess.RunInfer("registry", "delete", "fashion-tiny@v1", "--registry", registry);
        Assert.Equal(1, code);
        Assert.Contains("fashion-tiny@v1 is what champion names", error);
        (code, output, error) = CliProcess.RunInfer("registry", "delete", "fashion-tiny@v1", "--force", "--registry", registry);
        Assert.True(code == 0, error);
        Assert.Equal("deleted fashion-tiny@v1 and its aliases champion", output.Trim());

        File.Delete(Path.Combine(run, "encoder.onnx"));
        (code, _, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "fashion-tiny");
        Assert.Equal(1, code);
        Assert.Contains("has no encoder.onnx: export it first", error);
    }

    [Fact]
    public void Publish_WithAVariant_PublishesItBesideTheEncoder_OnlyWhenMadeFromThatEncoder()
    {
        using var folder = new TempDirectory();
        string run = folder.File("tiny-run");
        string registry = "file:" + folder.File("registry");
        (int trained, _, string trainError) = CliProcess.Run(["pretrain", "--out", run, .. ExportCommandTests.Tiny]);
        Assert.True(trained == 0, trainError);
        // The shipped reference encoder's fp16 variant: another encoder than the tiny run's.
        string reference = RepositoryRoot.Combine("models", "fashion-mnist-simclr-convnet6", "encoder.onnx");
        string variant = folder.File("variants/encoder.fp16.onnx");
        (int code, string output, string error) = CliProcess.RunInfer("quantize", "--model", reference, "--precision", "fp16",
            "--calibration", "fashion-mnist:test", "--proof-size", "100", "--out", variant);
        Assert.True(code == 0, error);

        (code, _, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "m", "--variant", variant);
        Assert.Equal(2, code);
        Assert.Contains($"--variant {variant}: encoder.fp16.onnx (fp16) was made from a file with SHA-256", error);
        Assert.Contains("Nothing was published.", error);
        Assert.False(Directory.Exists(folder.File("registry")) && Directory.EnumerateFiles(folder.File("registry"), "*.json", SearchOption.AllDirectories).Any());
        (code, _, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "m", "--variant", Path.Combine(run, "encoder.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("is a float32 model, not a precision variant", error);

        // With the encoder it was made from, it is published beside it and pulled by precision.
        File.Copy(reference, Path.Combine(run, "encoder.onnx"), overwrite: true);
        (code, output, error) = CliProcess.Run("publish", "--run", run, "--registry", registry, "--name", "m", "--variant", variant);
        Assert.True(code == 0, error);
        Assert.Contains(", fp32+fp16; latest → v1", output);
        string pulled = folder.File("pulled");
        (code, _, error) = CliProcess.RunInfer("pull", "--registry", registry, "--model", "m", "--precision", "fp16", "--out", pulled);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(variant), File.ReadAllBytes(Path.Combine(pulled, "encoder.fp16.onnx")));
        Assert.False(File.Exists(Path.Combine(pulled, "encoder.onnx")));
    }

    [Theory]
    [InlineData("pipeline-infer", "pull --model Bad@@ --out x", "is not a model reference")]
    [InlineData("pipeline-infer", "pull --model m --out x --registry s3://bucket", "accepted forms: file:PATH")]
    [InlineData("pipeline-infer", "registry promote m@v1 --expect latest", "--expect takes a version such as v3")]
    [InlineData("pipeline-infer", "registry delete m@champion", "name the version itself")]
    [InlineData("pipeline-infer", "registry list nothing-here --registry file:/no/such/registry", "does not exist, so there is no registry there")]
    [InlineData("pipeline-infer", "registry list --registry file:/etc/hostname", "a file: store is a folder")]
    [InlineData("pipeline-train", "publish --run /no/such/run --name m --registry file:/etc/hostname", "a file: store is a folder")]
    [InlineData("pipeline-train", "publish --run /no/such/run --name m", "not a run folder")]
    public void WrongValues_ExitWithAMessageSayingWhatIsAccepted(string tool, string commandLine, string expected)
    {
        string[] arguments = commandLine.Split(' ');
        (int exitCode, string output, string error) = tool == "pipeline-train" ? CliProcess.Run(arguments) : CliProcess.RunInfer(arguments);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output + error);
        Assert.DoesNotContain("   at ", error);
    }
}
