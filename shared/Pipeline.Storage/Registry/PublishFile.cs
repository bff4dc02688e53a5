namespace Pipeline.Storage.Registry;

/// <summary>A local file to publish as part of a version.</summary>
/// <param name="Path">Its path inside the version, '/'-separated (<c>encoder.onnx</c>, <c>report/index.html</c>).</param>
/// <param name="SourcePath">The file on disk.</param>
public sealed record PublishFile(string Path, string SourcePath);
