using Pipeline.Training.Encoders;
using Pipeline.Training.Heads;
using Pipeline.Training.MixedPrecision;
using Pipeline.Training.Tests.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Training.Tests.MixedPrecision;

[Collection(TorchCollection.Name)]
public sealed class AutocastTests
{
    [Theory]
    [InlineData("convnet", 1, 28, 64)]
    [InlineData("convnet6", 1, 28, 64)]
    [InlineData("resnet18", 3, 32, 64)]
    public void Forward_InABf16Scope_ComputesInBfloat16_AndHandsBackFloat32CloseToTheFp32Forward(string architecture, int channels, int size, int dim)
    {
        random.manual_seed(3);
        using Encoder encoder = EncoderFactory.Create(EncoderTests.Spec(architecture, channels, size, dim));
        using var head = new ProjectionHead(dim, dim, 16);
        encoder.train();
        head.train();
        using Tensor pixels = rand(8, channels, size, size);

        using Tensor exact = head.forward(encoder.forward(pixels));
        Tensor mixed;
        using (Autocast.Enter(TrainingPrecision.Bf16))
        {
            mixed = head.forward(encoder.forward(pixels));
        }

        using (mixed)
        {
            Assert.Equal(ScalarType.Float32, mixed.dtype);
            Assert.Equal(exact.shape, mixed.shape);
            // bfloat16 keeps 8 bits of mantissa: close to float32, and not equal to it, or nothing ran in bfloat16.
            Assert.False(exact.eq(mixed).all().item<bool>());
            using Tensor cosine = nn.functional.cosine_similarity(exact, mixed, 1);
            Assert.True(cosine.min().item<float>() > 0.99f, $"{architecture}: smallest cosine {cosine.min().item<float>()}");
        }
    }

    [Fact]
    public void Backward_FromABf16Forward_ReachesTheFloat32Weights_AsFloat32GradientsCloseToTheFp32Ones()
    {
        random.manual_seed(5);
        using Encoder encoder = EncoderFactory.Create(EncoderTests.Spec("convnet", 1, 28, 64));
        encoder.train();
        using Tensor pixels = rand(16, 1, 28, 28);
        Tensor Gradient(TrainingPrecision precision)
        {
            encoder.zero_grad();
            Tensor loss;
            using (Autocast.Enter(precision))
            {
                loss = encoder.forward(pixels).square().mean();
            }
            loss.backward();
            loss.Dispose();
            return cat(encoder.parameters().Select(p => p.grad!.flatten()).ToArray()).detach().clone();
        }

        using Tensor exact = Gradient(TrainingPrecision.Fp32);
        using Tensor mixed = Gradient(TrainingPrecision.Bf16);

        Assert.All(encoder.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(ScalarType.Float32, mixed.dtype);
        using Tensor cosine = nn.functional.cosine_similarity(exact.unsqueeze(0), mixed.unsqueeze(0), 1);
        Assert.True(cosine.item<float>() > 0.99f, $"cosine of the gradients {cosine.item<float>()}");
    }

    [Fact]
    public void OutsideAScope_AndInAnFp32One_TheForwardIsThePlainOne_BitForBit()
    {
        random.manual_seed(1);
        using Encoder encoder = EncoderFactory.Create(EncoderTests.Spec("resnet18", 1, 28, 64));
        encoder.eval();
        using Tensor pixels = rand(4, 1, 28, 28);

        using Tensor outside = encoder.forward(pixels);
        Tensor inside;
        using (Autocast.Enter(TrainingPrecision.Bf16))
        using (Autocast.Enter(TrainingPrecision.Fp32))
        {
            inside = encoder.forward(pixels);
        }

        using (inside)
        {
            Assert.True(outside.eq(inside).all().item<bool>());
        }
    }

    [Fact]
    public void Scopes_Nest_TheInnermostWins_AndDisposingOneRestoresTheOuter()
    {
        Assert.Null(Autocast.ComputeType);
        using (Autocast.Enter(TrainingPrecision.Bf16))
        {
            Assert.Equal(ScalarType.BFloat16, Autocast.ComputeType);
            IDisposable inner = Autocast.Enter(TrainingPrecision.Fp32);
            Assert.Null(Autocast.ComputeType);
            inner.Dispose();
            inner.Dispose();
            Assert.Equal(ScalarType.BFloat16, Autocast.ComputeType);
        }
        Assert.Null(Autocast.ComputeType);
    }
}
