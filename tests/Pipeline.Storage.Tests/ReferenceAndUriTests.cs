using Pipeline.Errors;
using Pipeline.Storage.Registry;

namespace Pipeline.Storage.Tests;

public sealed class ReferenceAndUriTests
{
    [Theory]
    [InlineData("fashion-simclr", "fashion-simclr@latest")]
    [InlineData("fashion-simclr@v12", "fashion-simclr@v12")]
    [InlineData("fashion-simclr@champion", "fashion-simclr@champion")]
    public void References_Parse(string text, string expected)
    {
        Assert.Equal(expected, ModelReference.Parse(text).ToString());
    }

    [Fact]
    public void AVersionReference_IsAVersion_AndAnAliasReference_IsAnAlias()
    {
        Assert.Equal(new ModelVersion(3), ModelReference.Parse("m@v3").Version);
        Assert.Null(ModelReference.Parse("m@v3").Alias);
        Assert.Equal("champion", ModelReference.Parse("m@champion").Alias);
        Assert.Null(ModelReference.Parse("m@champion").Version);
    }

    [Theory]
    [InlineData("", "not a model name")]
    [InlineData("Fashion", "lower-case")]
    [InlineData("m@", "not an alias name")]
    [InlineData("m@v0", "not of the form v1")]
    [InlineData("m@v01", "not of the form v1")]
    [InlineData("m@a@b", "more than one '@'")]
    [InlineData("../etc@v1", "not a model name")]
    [InlineData("m@Champion", "not an alias name")]
    public void BadReferences_AreRefusedSayingWhatIsWrong(string text, string expected)
    {
        var refused = Assert.Throws<InvalidSettingException>(() => ModelReference.Parse(text));

        Assert.Contains($"'{text}' is not a model reference (NAME, NAME@v3 or NAME@ALIAS)", refused.Message);
        Assert.Contains(expected, refused.Message);
    }

    [Theory]
    [InlineData("nightly-20261204-010000", true)]
    [InlineData("Run_7.b", true)]
    [InlineData("", false)]
    [InlineData("two words", false)]
    [InlineData("../x", false)]
    [InlineData("ü", false)]
    public void PublishIds_AreLettersDigitsDotsUnderscoresAndHyphens(string publishId, bool valid)
    {
        if (valid)
        {
            Assert.Equal(publishId, ModelNames.ValidatePublishId(publishId));
            return;
        }
        var refused = Assert.Throws<InvalidSettingException>(() => ModelNames.ValidatePublishId(publishId));
        Assert.Contains($"'{publishId}' is not a publish id", refused.Message);
    }

    [Fact]
    public void APublishId_IsAtMost128Characters()
    {
        Assert.Equal(128, ModelNames.ValidatePublishId(new string('a', 128)).Length);
        Assert.Throws<InvalidSettingException>(() => ModelNames.ValidatePublishId(new string('a', 129)));
    }

    [Theory]
    [InlineData("file:./registry", "file:./registry")]
    [InlineData("file:/srv/registry", "file:/srv/registry")]
    [InlineData("file:///srv/registry", "file:/srv/registry")]
    [InlineData("azblob://models", "azblob://models")]
    [InlineData("AZBLOB://models/", "azblob://models")]
    [InlineData("https://acct.blob.core.windows.net/models", "https://acct.blob.core.windows.net/models")]
    public void StoreUris_Parse(string text, string expected)
    {
        Assert.Equal(expected, ArtifactStoreUri.Parse(text).ToString());
    }

    [Theory]
    [InlineData("s3://bucket", "accepted forms: file:PATH")]
    [InlineData("./registry", "accepted forms")]
    [InlineData("file:", "accepted forms")]
    [InlineData("file://host/share", "accepted forms")]
    [InlineData("azblob://Models", "is not a container name")]
    [InlineData("azblob://a", "is not a container name")]
    [InlineData("azblob://models/sub", "is not a container name")]
    [InlineData("http://acct.blob.core.windows.net/models", "accepted forms")]
    [InlineData("https://acct.blob.core.windows.net/models/deeper", "accepted forms")]
    public void BadStoreUris_AreRefusedWithTheAcceptedForms(string text, string expected)
    {
        var refused = Assert.Throws<InvalidSettingException>(() => ArtifactStoreUri.Parse(text));

        Assert.Contains(expected, refused.Message);
    }

    [Fact]
    public void ASasToken_IsRefused_AndNotRepeated()
    {
        var refused = Assert.Throws<InvalidSettingException>(() => ArtifactStoreUri.Parse("https://acct.blob.core.windows.net/models?sv=2024&sig=SECRET"));

        Assert.DoesNotContain("SECRET", refused.Message);
        Assert.Contains("SAS", refused.Message);
    }

    [Fact]
    public void Azblob_WithoutItsConnectionString_SaysWhichVariableToSet()
    {
        var refused = Assert.Throws<InvalidSettingException>(() => ArtifactStoreUri.Open("azblob://models", environment: _ => null));

        Assert.Contains("$AZURE_STORAGE_CONNECTION_STRING", refused.Message);
    }

    [Fact]
    public void TheDefault_IsAFolderBesideTheWorkingFolder()
    {
        IArtifactStore store = ArtifactStoreUri.Open(ArtifactStoreUri.Default);

        Assert.Equal("file:" + Path.GetFullPath("registry"), store.Location);
    }
}
