using System.Buffers.Binary;
using System.Text;
using Pipeline.Data.SafeTensors;

namespace Pipeline.Data.Tests;

public sealed class SafeTensorsFileTests
{
    [Fact]
    public void WriteThenRead_KeepsTensorsAndMetadata()
    {
        using var folder = new TempDirectory();
        string path = folder.File("model.safetensors");
        SafeTensor weights = SafeTensor.FromFloats("layer.weight", [2, 3], [1, 2, 3, 4, 5, 6.5f]);
        var step = new SafeTensor("step", SafeTensorDType.I64, [], BitConverter.GetBytes(42L));

        SafeTensorsFile.Write(path, [weights, step], new Dictionary<string, string> { ["format"] = "pt" });
        SafeTensorsContent content = SafeTensorsFile.Read(path);

        Assert.Equal([1, 2, 3, 4, 5, 6.5f], content.Require("layer.weight").ToFloats());
        Assert.Equal(new long[] { 2, 3 }, content.Require("layer.weight").Shape);
        Assert.Equal(42L, BitConverter.ToInt64(content.Require("step").Data));
        Assert.Equal("pt", content.RequireMetadata("format"));
    }

    [Fact]
    public void Write_FollowsTheFormat_HeaderLengthJsonAlignedData()
    {
        using var folder = new TempDirectory();
        string path = folder.File("one.safetensors");

        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("x", [1], [3f])]);
        byte[] bytes = File.ReadAllBytes(path);

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd();
        Assert.Equal("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", header);
        Assert.Equal(3f, BitConverter.ToSingle(bytes, 8 + (int)headerLength));
    }

    [Fact]
    public void Read_TruncatedFile_NamesTheFileAndTheTensor()
    {
        using var folder = new TempDirectory();
        string path = folder.File("cut.safetensors");
        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("big", [100], new float[100])]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'big'", error.Message);
    }

    [Fact]
    public void Read_NotASafetensorsFile_SaysSo()
    {
        using var folder = new TempDirectory();
        string path = folder.File("text.safetensors");
        File.WriteAllText(path, "hello, this is not a tensor file");

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Write_WrongByteCount_IsRefusedAndLeavesNoFile()
    {
        using var folder = new TempDirectory();
        string path = folder.File("bad.safetensors");

        var error = Assert.Throws<InvalidDataException>(() =>
            SafeTensorsFile.Write(path, [new SafeTensor("w", SafeTensorDType.F32, [2, 2], new byte[12])]));
        Assert.Contains("needs 16 bytes", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItWhole()
    {
        using var folder = new TempDirectory();
        string path = folder.File("m.safetensors");
        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("a", [1000], new float[1000])]);

        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("b", [1], [1f])]);

        Assert.Equal(["b"], SafeTensorsFile.Read(path).Tensors.Keys);
        Assert.Single(Directory.GetFiles(folder.Path));
    }
}
