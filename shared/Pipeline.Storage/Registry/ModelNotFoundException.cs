namespace Pipeline.Storage.Registry;

/// <summary>A reference names a model, version or alias that does not exist; the message lists what does.</summary>
public sealed class ModelNotFoundException : ModelRegistryException
{
    public ModelNotFoundException(string message)
        : base(message)
    {
    }
}
