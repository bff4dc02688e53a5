using Pipeline.Errors;
using Pipeline.Inference.Server;

namespace Pipeline.Inference.Tests.Server;

public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://127.4.5.6:80", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("https://example.org:443", false)]
    public void IsLoopback_TellsLoopbackFromEverythingElse(string url, bool loopback) =>
        Assert.Equal(loopback, ListenAddresses.IsLoopback(url));

    [Fact]
    public void IsLoopback_NotAUrl_SaysHowToWriteOne()
    {
        var error = Assert.Throws<InvalidSettingException>(() => ListenAddresses.IsLoopback("127.0.0.1:8080"));

        Assert.Contains("http://127.0.0.1:8080", error.Message);
    }

    [Fact]
    public void RequireProtection_ExposedWithInsecure_ReturnsTheExposedAddresses() =>
        Assert.Equal(["http://0.0.0.0:1"], ListenAddresses.RequireProtection(["http://127.0.0.1:1", "http://0.0.0.0:1"], hasApiKey: false, insecure: true));

    [Fact]
    public void ApiKeys_Matches_OnlyTheSameKey()
    {
        Assert.True(ApiKeys.Matches("0123456789abcdef0123", "0123456789abcdef0123"));
        Assert.False(ApiKeys.Matches("0123456789abcdef0123", "0123456789abcdef012"));
        Assert.False(ApiKeys.Matches("0123456789abcdef0123", ""));
    }

    [Fact]
    public void ApiKeys_Validate_RefusesShortKeys()
    {
        var error = Assert.Throws<InvalidSettingException>(() => ApiKeys.Validate("short"));

        Assert.Contains("at least 16", error.Message);
    }
}
