using System.Text.Json;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Tests.Server;

public sealed class StringOrArrayConverterTests
{
    [Theory]
    [InlineData("{\"input\": \"a\"}", new[] { "a" })]
    [InlineData("{\"input\": [\"a\", \"b\"]}", new[] { "a", "b" })]
    [InlineData("{\"input\": []}", new string[0])]
    public void Read_AStringOrAList_BindsAsAList(string json, string[] expected)
    {
        EmbeddingRequest request = JsonSerializer.Deserialize<EmbeddingRequest>(json, ServerJson.Options)!;

        Assert.Equal(expected, request.Input);
    }

    [Theory]
    [InlineData("{\"input\": 5}", "is a JSON number, not a string or a list of strings")]
    [InlineData("{\"input\": {\"a\": 1}}", "is a JSON object, not a string or a list of strings")]
    [InlineData("{\"input\": true}", "is a JSON boolean, not a string or a list of strings")]
    [InlineData("{\"input\": [\"a\", null]}", "item 1 is a JSON null, not a string")]
    [InlineData("{\"input\": [[\"a\"]]}", "item 0 is a JSON array, not a string")]
    public void Read_AnythingElse_SaysWhatItFoundAtTheField(string json, string message)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EmbeddingRequest>(json, ServerJson.Options));

        Assert.Equal(message, error.Message);
        Assert.Equal("$.input", error.Path);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void Read_TruncatedList_IsTheReadersErrorNotTheFields()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EmbeddingRequest>("{\"input\": [\"a\", ", ServerJson.Options));

        // EmbeddingsEndpoints.BindJson tells a body that is not JSON (invalid_json) from a field of the wrong type by this.
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }

    [Fact]
    public void Write_GivesAList()
    {
        string json = JsonSerializer.Serialize(new EmbeddingRequest { Model = "m", Input = ["a"] }, ServerJson.Options);

        Assert.Contains("\"input\":[\"a\"]", json);
    }
}
