using Pipeline.Errors;

namespace Pipeline.Runs.Tests;

public sealed class OutputPathTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RequireWritable_AFileInAFolderThatExists_IsAccepted() => OutputPath.RequireWritable("out", Path.Combine(_temp.Path, "chosen.csv"));

    [Theory]
    [InlineData("no/such/chosen.csv")]
    [InlineData("")]
    public void RequireWritable_OutsideAFolderThatExists_OrAFolder_IsAnErrorOfTheSetting(string relative)
    {
        string path = Path.Combine(_temp.Path, relative);

        var error = Assert.Throws<InvalidSettingException>(() => OutputPath.RequireWritable("out", path));

        Assert.Equal("out", error.Setting);
        Assert.Equal($"out {path}: give a file in a folder that exists.", error.Message);
    }

    [Fact]
    public void CreateFolderFor_CreatesTheFolder_AndRefusesAFolderOrAFolderUnderAFile()
    {
        string path = Path.Combine(_temp.Path, "variants", "encoder.int8.onnx");
        File.WriteAllText(_temp.File("file"), "");

        OutputPath.CreateFolderFor("out", path);
        var folder = Assert.Throws<InvalidSettingException>(() => OutputPath.CreateFolderFor("out", _temp.Path));
        var underAFile = Assert.Throws<InvalidSettingException>(() => OutputPath.CreateFolderFor("out", Path.Combine(_temp.Path, "file", "encoder.onnx")));

        Assert.True(Directory.Exists(Path.GetDirectoryName(path)));
        Assert.Equal(("out", "out", $"out {_temp.Path} is a folder: give a file name."), (folder.Setting, underAFile.Setting, folder.Message));
        Assert.Contains("its folder cannot be created", underAFile.Message);
    }
}
