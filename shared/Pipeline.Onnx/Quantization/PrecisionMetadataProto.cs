using Onnx;

namespace Pipeline.Onnx.Quantization;

/// <summary><see cref="PrecisionMetadata"/> written into and read from an ONNX model.</summary>
public static class PrecisionMetadataProto
{
    extension(PrecisionMetadata metadata)
    {
        /// <summary>Adds (or replaces) this record's keys in the model's metadata.</summary>
        public void WriteTo(ModelProto model) => ModelMetadataProps.Replace(model, PrecisionMetadata.Keys.Contains, metadata.ToProperties());
    }

    extension(PrecisionMetadata)
    {
        /// <summary>The precision metadata of the ONNX model file at <paramref name="path"/>, or null for a float32 model, which has none.</summary>
        /// <exception cref="InvalidDataException">The file is not an ONNX model, or its precision metadata is malformed.</exception>
        public static PrecisionMetadata? Read(string path) => PrecisionMetadata.FromProperties(ModelMetadataProps.Of(OnnxModelFile.Read(path)));
    }
}
