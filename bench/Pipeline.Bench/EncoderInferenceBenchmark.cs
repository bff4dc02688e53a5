using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Data;
using Pipeline.Training.Encoders;
using Pipeline.Training.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Bench;

/// <summary>
/// Embeddings per second of one encoder on the same images, TorchSharp eager (eval mode, no_grad) against ONNX
/// Runtime running its export (OrtValue API over reused buffers, full graph optimisation), at several batch sizes.
/// </summary>
public static class EncoderInferenceBenchmark
{
    public static Command Create()
    {
        var encoder = new Option<string>("--encoder") { Description = "Architecture.", DefaultValueFactory = _ => "convnet" };
        var batchSizes = new Option<int[]>("--batch-sizes")
        {
            Description = "Batch sizes to time.",
            DefaultValueFactory = _ => [1, 64],
            AllowMultipleArgumentsPerToken = true,
        };
        var seconds = new Option<double>("--seconds") { Description = "Timed seconds per measurement.", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "Threads of both runtimes.", DefaultValueFactory = _ => 2 };
        var command = new Command("encoder-inference", "Embeddings/s: TorchSharp eager against ONNX Runtime on the exported encoder; one JSON object.")
        {
            encoder, batchSizes, seconds, threads,
        };
        command.SetAction(parse =>
        {
            Console.WriteLine(JsonSerializer.Serialize(Run(parse.GetValue(encoder)!, parse.GetValue(batchSizes)!,
                parse.GetValue(seconds), parse.GetValue(threads))));
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object> Run(string architecture, int[] batchSizes, double seconds, int threads)
    {
        set_num_threads(threads);
        random.manual_seed(0);
        ImageSet images = FashionMnist.Load(FashionMnistSplit.Test).Take(batchSizes.Max());
        var spec = new EncoderSpec(architecture, 1, 28, 28, EncoderFactory.DefaultEmbeddingDim(architecture), [0.2860f], [0.3530f]);
        using Encoder encoder = EncoderFactory.Create(spec);
        encoder.eval();
        byte[] model = EncoderOnnxGraph.Build(encoder).ToByteArray();

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        using var session = new InferenceSession(model, options);
        using var runOptions = new RunOptions();

        var rows = new List<Dictionary<string, object>>();
        foreach (int batch in batchSizes)
        {
            float[] pixels = images.Pixels.AsSpan(0, batch * images.ImageSize).ToArray().Select(p => p / 255f).ToArray();
            long[] shape = [batch, 1, 28, 28];
            using Tensor torchPixels = tensor(pixels).reshape(shape);
            (double torchRate, _) = Throughput.Measure(seconds, batch, () =>
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                encoder.forward(torchPixels);
            });

            float[] embeddings = new float[batch * spec.EmbeddingDim];
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
            using OrtValue output = OrtValue.CreateTensorValueFromMemory(embeddings, [batch, spec.EmbeddingDim]);
            string[] inputNames = [EncoderOnnxGraph.PixelsInput];
            string[] outputNames = [EncoderOnnxGraph.EmbeddingOutput];
            OrtValue[] inputs = [input];
            OrtValue[] outputs = [output];
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            (double ortRate, long calls) = Throughput.Measure(seconds, batch, () => session.Run(runOptions, inputNames, inputs, outputNames, outputs));
            rows.Add(new Dictionary<string, object>
            {
                ["batch_size"] = batch,
                ["torchsharp_embeddings_per_second"] = torchRate,
                ["onnxruntime_embeddings_per_second"] = ortRate,
                ["ratio"] = ortRate / torchRate,
                ["onnxruntime_managed_bytes_per_call"] = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / calls,
            });
        }
        return new Dictionary<string, object>
        {
            ["encoder"] = architecture,
            ["embedding_dim"] = spec.EmbeddingDim,
            ["threads"] = threads,
            ["onnxruntime"] = typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "",
            ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "",
            ["rows"] = rows,
        };
    }
}
