using Onnx;

namespace Pipeline.Onnx;

/// <summary><see cref="ClassifierMetadata"/> written into an ONNX model.</summary>
public static class ClassifierMetadataProto
{
    extension(ClassifierMetadata classifier)
    {
        /// <summary>Adds (or replaces) this record's keys in the model's metadata.</summary>
        public void WriteTo(ModelProto model) =>
            ModelMetadataProps.Replace(model, key => key is ClassifierMetadata.ClassNamesKey or ClassifierMetadata.FineTuneKey,
                classifier.ToProperties());
    }
}
