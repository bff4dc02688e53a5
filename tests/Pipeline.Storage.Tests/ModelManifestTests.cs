using System.Text;
using Pipeline.Storage.Registry;

namespace Pipeline.Storage.Tests;

public sealed class ModelManifestTests
{
    // A manifest as the registry wrote it before the shared JSON conventions: camelCase, indented, absent values left out.
    private const string Written = """
        {
          "formatVersion": 1,
          "name": "fashion",
          "version": "v3",
          "createdUtc": "2026-01-02T03:04:05+00:00",
          "publishId": "p-1",
          "files": [
            {
              "path": "encoder.onnx",
              "size": 3,
              "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            }
          ],
          "metrics": {
            "knn-100%": 0.83
          },
          "lineage": {
            "run": "quickstart",
            "createdUtc": "2026-01-02T03:00:00+00:00",
            "properties": {
              "checkpoint": "step-00000120.safetensors"
            }
          }
        }
        """;

    [Fact]
    public void FromJson_AManifestWrittenBefore_Reads_AndToJsonWritesItTheSame()
    {
        byte[] written = Encoding.UTF8.GetBytes(Written.ReplaceLineEndings("\n"));

        ModelManifest manifest = ModelManifest.FromJson(written, "fashion", new ModelVersion(3));

        Assert.Equal(0.83, manifest.Metrics["knn-100%"]);
        Assert.Null(manifest.Lineage.Config);
        Assert.Null(manifest.Variants);
        Assert.Equal(Encoding.UTF8.GetString(written), Encoding.UTF8.GetString(manifest.ToJson()).ReplaceLineEndings("\n"));
    }
}
