using System.Reflection;
using System.Text.Json.Serialization;
using Pipeline.Training.Distillation;
using Pipeline.Training.SemiSupervised;

namespace Pipeline.Training.Objectives;

/// <summary>
/// The method of a run with its own settings, one derived record per method (<see cref="PretextMethods"/>): what
/// <see cref="Pretraining.PretrainConfig.Method"/> holds, so that a method's settings cannot be in another method's
/// run. In JSON it is one object whose <c>name</c> chooses the record: <c>{ "name": "vae", "latentDim": 32, … }</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = NameProperty)]
[JsonDerivedType(typeof(SimClrSettings), PretextMethods.SimClr)]
[JsonDerivedType(typeof(VaeSettings), "vae")]
[JsonDerivedType(typeof(AutoencoderSettings), "ae")]
[JsonDerivedType(typeof(DenoisingSettings), "dae")]
[JsonDerivedType(typeof(RotationSettings), "rotation")]
[JsonDerivedType(typeof(DistillationSettings), PretextMethods.Distill)]
[JsonDerivedType(typeof(FixMatchSettings), PretextMethods.FixMatch)]
public abstract record MethodSettings
{
    /// <summary>The JSON name of <see cref="Name"/>, the property that chooses the record.</summary>
    public const string NameProperty = "name";

    private static readonly Dictionary<Type, string> Names = typeof(MethodSettings).GetCustomAttributes<JsonDerivedTypeAttribute>()
        .ToDictionary(derived => derived.DerivedType, derived => (string)derived.TypeDiscriminator!);

    /// <summary>The method's name, such as <c>simclr</c>: its <see cref="PretextMethods.Names"/> entry and its JSON discriminator.</summary>
    [JsonIgnore]
    public string Name => NameOf(GetType());

    /// <summary>The name of the method whose settings the record type <paramref name="settingsType"/> holds.</summary>
    public static string NameOf(Type settingsType) => Names[settingsType];

    /// <summary>Throws <see cref="Pipeline.Errors.InvalidSettingException"/> when a setting is out of range, naming it; a method without checks of its own accepts all.</summary>
    public virtual void Validate()
    {
    }
}
