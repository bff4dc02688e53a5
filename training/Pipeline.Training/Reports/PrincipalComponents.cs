using static TorchSharp.torch;

namespace Pipeline.Training.Reports;

/// <summary>Principal component analysis of a set of vectors, by the singular value decomposition of the centred data.</summary>
public static class PrincipalComponents
{
    /// <summary>
    /// The coordinates of the rows of <paramref name="data"/> [N, D] on its first <paramref name="components"/> principal
    /// axes, float64 [N, k], and the fraction of the total variance each axis explains.
    /// </summary>
    public static (Tensor Coordinates, double[] ExplainedVariance) Project(Tensor data, int components)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2 || components < 1 || components > Math.Min(data.shape[0], data.shape[1]))
        {
            throw new ArgumentException(
                $"PCA takes [N, D] data and 1 to min(N, D) components, not [{string.Join(", ", data.shape)}] and {components}.");
        }
        using var scope = NewDisposeScope();
        Tensor centred = data.detach().cpu().to(ScalarType.Float64);
        centred = centred.sub(centred.mean([0], keepdim: true));
        // centred = U·diag(S)·Vᵀ: the rows of Vᵀ are the principal axes, S² / Σ S² the variance each explains.
        (Tensor _, Tensor singular, Tensor axes) = linalg.svd(centred, fullMatrices: false);
        Tensor variance = singular.square();
        double total = variance.sum().item<double>();
        double[] explained = variance.narrow(0, 0, components).data<double>().Select(v => total > 0 ? v / total : 0).ToArray();
        Tensor coordinates = centred.matmul(axes.narrow(0, 0, components).t());
        return (scope.MoveToOuter(coordinates), explained);
    }
}
