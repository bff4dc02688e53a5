using Onnx;

namespace Pipeline.Onnx;

/// <summary><see cref="EmbeddingModelMetadata"/> written into and read from an ONNX model.</summary>
public static class EmbeddingModelMetadataProto
{
    extension(EmbeddingModelMetadata metadata)
    {
        /// <summary>Replaces the model's <c>pipeline.</c> metadata with this record's, after validating it.</summary>
        public void WriteTo(ModelProto model)
        {
            ArgumentNullException.ThrowIfNull(model);
            metadata.Validate();
            ModelMetadataProps.Replace(model, key => key.StartsWith(EmbeddingModelMetadata.KeyPrefix, StringComparison.Ordinal),
                metadata.ToProperties());
        }
    }

    extension(EmbeddingModelMetadata)
    {
        /// <summary>Reads the <c>pipeline.</c> metadata of a model, or says which key is missing or malformed.</summary>
        public static EmbeddingModelMetadata ReadFrom(ModelProto model) => EmbeddingModelMetadata.FromProperties(ModelMetadataProps.Of(model));

        /// <summary>Reads the metadata of the ONNX model file at <paramref name="path"/>.</summary>
        /// <exception cref="InvalidDataException">The file is not an ONNX model, or its metadata is missing or malformed.</exception>
        public static EmbeddingModelMetadata Read(string path) => EmbeddingModelMetadata.ReadFrom(OnnxModelFile.Read(path));
    }
}
