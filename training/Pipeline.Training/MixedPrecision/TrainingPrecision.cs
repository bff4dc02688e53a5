namespace Pipeline.Training.MixedPrecision;

/// <summary>The arithmetic a training step's convolutions and linear layers run in, by their CLI names.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32.</summary>
    Fp32,

    /// <summary>
    /// bfloat16 mixed precision (<see cref="Autocast"/>): the encoder's and projection head's convolutions and linear
    /// layers compute in bfloat16 from float32 weights; the weights, their gradients, the optimizer, batch-norm
    /// statistics, augmentation and the loss stay float32, and checkpoints and exports are float32 as always. Fast where
    /// the CPU has bfloat16 instructions (AVX-512 BF16, AMX) and on GPUs; slower than fp32 where it is emulated.
    /// </summary>
    Bf16,
}
