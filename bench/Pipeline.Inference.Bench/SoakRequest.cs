namespace Pipeline.Inference.Bench;

/// <summary>One request a soak sends: a well-formed embedding request the server must answer, or a malformed one it must refuse with a 4xx.</summary>
/// <param name="Kind">What the request is, for the report ("raw float32", "invalid base64" …).</param>
/// <param name="Route">The path it is posted to.</param>
/// <param name="Body">The request body.</param>
/// <param name="ContentType">The body's media type.</param>
/// <param name="Good">Whether the server must answer it with 2xx (true) or refuse it with 4xx (false).</param>
public sealed record SoakRequest(string Kind, string Route, byte[] Body, string ContentType, bool Good);
