using System.Text.Json.Serialization;
using Pipeline.Runs;

namespace Pipeline.Storage.Registry;

/// <summary>One file of a model version, as its manifest promises it.</summary>
/// <param name="Path">Its path inside the version, '/'-separated (<c>encoder.onnx</c>, <c>eval/knn-100.json</c>).</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">Its SHA-256, 64 lower-case hex digits.</param>
public sealed record ManifestFile(string Path, long Size, string Sha256)
{
    /// <summary>What a download of this file must match.</summary>
    [JsonIgnore]
    public FileDigest Digest => new(Size, Sha256);
}
