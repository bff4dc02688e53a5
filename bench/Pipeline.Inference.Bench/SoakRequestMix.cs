using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.Inference.Bench;

/// <summary>
/// The requests a soak sends, good and bad mixed: well-formed raw float32 and OpenAI-shaped PNG requests, and the
/// mistakes clients make — bad base64, a truncated PNG, broken JSON, an empty or oversized list of images, no model, a
/// raw body of the wrong size, the wrong media type, a misspelt route. Which one goes next is a seeded draw.
/// </summary>
public sealed class SoakRequestMix
{
    private const string Json = "application/json";
    private readonly SoakRequest[] _good;
    private readonly SoakRequest[] _bad;
    private readonly double _badShare;

    /// <param name="pixels">Images as the model's input, for the raw route.</param>
    /// <param name="pngs">The same images as PNG files, for the JSON route.</param>
    /// <param name="modelName">The name the server serves the model under.</param>
    /// <param name="maxImagesPerRequest">The server's limit on images per request (one more is a bad request).</param>
    /// <param name="badShare">The fraction of requests that are bad, in [0, 1].</param>
    public SoakRequestMix(float[][] pixels, byte[][] pngs, string modelName, int maxImagesPerRequest, double badShare)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(badShare, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(badShare, 1);
        _badShare = badShare;
        string Embeddings(string inputs) => $"{{\"model\": \"{modelName}\", \"input\": [{inputs}]}}";
        string Quoted(byte[] png) => $"\"{Convert.ToBase64String(png)}\"";
        _good =
        [
            .. pixels.Select(image => new SoakRequest("raw float32", "/v1/embeddings/raw", MemoryMarshal.AsBytes(image.AsSpan()).ToArray(),
                "application/octet-stream", Good: true)),
            .. pngs.Select(png => new SoakRequest("JSON base64 PNG", "/v1/embeddings", Encoding.UTF8.GetBytes(Embeddings(Quoted(png))), Json, Good: true)),
        ];
        byte[] png = pngs[0];
        SoakRequest Bad(string kind, string route, string body, string contentType = Json) =>
            new(kind, route, Encoding.UTF8.GetBytes(body), contentType, Good: false);
        _bad =
        [
            Bad("invalid base64", "/v1/embeddings", Embeddings("\"not base64 at all!\"")),
            Bad("truncated PNG", "/v1/embeddings", Embeddings(Quoted(png[..(png.Length / 2)]))),
            Bad("broken JSON", "/v1/embeddings", Embeddings(Quoted(png))[..20]),
            Bad("empty input", "/v1/embeddings", Embeddings("")),
            Bad("too many images", "/v1/embeddings", Embeddings(string.Join(", ", Enumerable.Repeat(Quoted(png), maxImagesPerRequest + 1)))),
            Bad("no model", "/v1/embeddings", $"{{\"input\": [{Quoted(png)}]}}"),
            new("raw body of the wrong size", "/v1/embeddings/raw", new byte[100], "application/octet-stream", Good: false),
            Bad("wrong media type", "/v1/embeddings", Embeddings(Quoted(png)), "text/plain"),
            Bad("misspelt route", "/v1/embedding", Embeddings(Quoted(png))),
        ];
    }

    /// <summary>The distinct bad requests, for the report.</summary>
    public IEnumerable<string> BadKinds => _bad.Select(request => request.Kind);

    /// <summary>The next request for a client; <paramref name="random"/> is that client's own seeded generator.</summary>
    public SoakRequest Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.NextDouble() < _badShare ? _bad[random.Next(_bad.Length)] : _good[random.Next(_good.Length)];
    }
}
