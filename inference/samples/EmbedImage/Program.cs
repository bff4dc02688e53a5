// Embeds PNG or JPEG images with an exported encoder.onnx and prints, per image, the embedding's width and its L2 norm.
// Usage: EmbedImage ENCODER.onnx IMAGE...
using System.Globalization;
using System.Numerics.Tensors;
using Pipeline.Inference;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: EmbedImage ENCODER.onnx IMAGE...");
    return 2;
}

using EmbeddingModel model = EmbeddingModel.Load(args[0]);
string[] images = args[1..];
float[] embeddings = model.EmbedImages(images.Select(path => (ReadOnlyMemory<byte>)File.ReadAllBytes(path)).ToArray(), images);
for (int i = 0; i < images.Length; i++)
{
    float norm = TensorPrimitives.Norm(embeddings.AsSpan(i * model.EmbeddingDim, model.EmbeddingDim));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{images[i]}\twidth {model.EmbeddingDim}\tnorm {norm:R}"));
}
return 0;
