namespace Pipeline.Storage.Registry;

/// <summary>A version was asked for in a precision it was not published in; the message lists the precisions it has.</summary>
public sealed class PrecisionNotFoundException : ModelRegistryException
{
    public PrecisionNotFoundException(string model, string precision, IReadOnlyList<string> available)
        : base($"{model} has no {precision} variant; its precisions: {string.Join(", ", available)}.")
    {
        Precision = precision;
        Available = available;
    }

    /// <summary>The precision asked for.</summary>
    public string Precision { get; }

    /// <summary>The precisions the version has, <see cref="FileVariant.ReferencePrecision"/> first.</summary>
    public IReadOnlyList<string> Available { get; }
}
