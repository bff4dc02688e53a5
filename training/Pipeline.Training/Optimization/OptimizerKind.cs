using System.Text.Json.Serialization;

namespace Pipeline.Training.Optimization;

/// <summary>The optimizers pretraining offers, by their CLI and JSON names (sgd, adamw, lars).</summary>
/// <remarks>AdamW was called <c>adam</c> before; that name still reads as it (<see cref="OptimizerKindJsonConverter"/>).</remarks>
public enum OptimizerKind
{
    /// <summary>SGD with momentum: <see cref="SgdOptimizer"/>.</summary>
    Sgd,

    /// <summary>Adam with decoupled weight decay: <see cref="AdamWOptimizer"/>.</summary>
    [JsonStringEnumMemberName("adamw")]
    AdamW,

    /// <summary>LARS: <see cref="LarsOptimizer"/>.</summary>
    Lars,
}
