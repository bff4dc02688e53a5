namespace Pipeline.Training.Optimization;

/// <summary>The optimizers pretraining offers, by their CLI names.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum: <see cref="SgdOptimizer"/>.</summary>
    Sgd,

    /// <summary>Adam with decoupled weight decay: <see cref="AdamOptimizer"/>.</summary>
    Adam,

    /// <summary>LARS: <see cref="LarsOptimizer"/>.</summary>
    Lars,
}
