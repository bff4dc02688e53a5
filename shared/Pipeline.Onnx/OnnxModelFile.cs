using Google.Protobuf;
using Onnx;

namespace Pipeline.Onnx;

/// <summary>Reads ONNX model files, telling a file that is not one (text, truncated, another format) by its path.</summary>
public static class OnnxModelFile
{
    /// <summary>The model in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file does not parse as an ONNX model; the message names it and says why.</exception>
    public static ModelProto Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist.", path);
        }
        try
        {
            ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            return model.Graph is null
                ? throw new InvalidDataException($"{path} is not an ONNX model: it holds no graph (a text, truncated or other file?).")
                : model;
        }
        catch (InvalidProtocolBufferException error)
        {
            throw new InvalidDataException($"{path} is not an ONNX model (a text, truncated or other file?): {error.Message}", error);
        }
    }
}
