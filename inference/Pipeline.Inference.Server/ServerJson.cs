using System.Text.Json;

namespace Pipeline.Inference.Server;

/// <summary>The JSON settings of every body the server reads or writes: snake_case names, as the OpenAI API has.</summary>
public static class ServerJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
