namespace Pipeline.Training.Export;

/// <summary>Thrown when an encoder holds a module the ONNX exporter cannot translate exactly.</summary>
public sealed class UnsupportedModuleException : InvalidOperationException
{
    public UnsupportedModuleException(string modulePath, Type moduleType, string reason)
        : base($"Cannot export {modulePath} ({moduleType.FullName}) to ONNX: {reason}")
    {
        ModulePath = modulePath;
        ModuleType = moduleType;
    }

    /// <summary>Where the module sits in the encoder, as state-dict keys joined with dots (<c>features.conv1</c>).</summary>
    public string ModulePath { get; }

    /// <summary>The module's type.</summary>
    public Type ModuleType { get; }
}
