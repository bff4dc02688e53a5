using System.Globalization;
using Pipeline.Errors;
using Pipeline.Onnx.FineTuning;

namespace Pipeline.Inference.FineTuning;

/// <summary>
/// The fine-tuning settings a user who chooses none gets, as one coherent set: what of the encoder trains, the
/// augmentation, the learning rate, label smoothing, the validation share and the epochs. <see cref="For"/> picks one by
/// the number of labelled images; any setting given explicitly replaces the recipe's.
/// </summary>
/// <param name="Name">How the recipe is asked for: <c>full</c> or <c>frozen</c>.</param>
/// <param name="Unfreeze">What of the encoder trains with the head.</param>
/// <param name="Crop">Random resized crops of every training image at every step.</param>
/// <param name="HorizontalFlip">Random left-right flips of every training image at every step.</param>
/// <param name="LearningRate">The peak learning rate.</param>
/// <param name="LabelSmoothing">Label smoothing ε.</param>
/// <param name="ValidationFraction">The share of the labels held out for early stopping; 0 trains on all.</param>
/// <param name="Epochs">Epochs, at most.</param>
public sealed record FineTuneRecipe(string Name, UnfreezeSpec Unfreeze, bool Crop, bool HorizontalFlip, double LearningRate, double LabelSmoothing,
    double ValidationFraction, int Epochs)
{
    /// <summary>The most labelled images <see cref="For"/> gives <see cref="Full"/>; more get <see cref="Frozen"/>.</summary>
    public const int FullUpToImages = 2000;

    /// <summary>
    /// Every layer trains, on crops and flips, 50 epochs with no validation split: the best found for 600 labels
    /// (Fashion-MNIST 1%, README Results), scored on the training images so the test set stayed unseen.
    /// </summary>
    public static FineTuneRecipe Full { get; } = new("full", UnfreezeSpec.All, Crop: true, HorizontalFlip: true, LearningRate: 1e-3, LabelSmoothing: 0.1,
        ValidationFraction: 0, Epochs: 50);

    /// <summary>
    /// The encoder stays frozen and the head trains on cached features, with early stopping on a tenth of the labels:
    /// seconds even with every label, and where every layer adds least.
    /// </summary>
    public static FineTuneRecipe Frozen { get; } = FromLibraryDefaults(new FineTuneOptions());

    /// <summary>The recipes by name.</summary>
    public static IReadOnlyList<FineTuneRecipe> All { get; } = [Full, Frozen];

    // The frozen recipe is FineTuneOptions' own defaults, so the library and the CLI cannot drift apart.
    private static FineTuneRecipe FromLibraryDefaults(FineTuneOptions defaults) => new("frozen", UnfreezeSpec.None, Crop: false, HorizontalFlip: false,
        defaults.LearningRate, LabelSmoothing: 0, defaults.ValidationFraction, defaults.Epochs);

    /// <summary><see cref="Full"/> for at most <see cref="FullUpToImages"/> labelled images, <see cref="Frozen"/> for more.</summary>
    public static FineTuneRecipe For(int labelledImages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(labelledImages);
        return labelledImages <= FullUpToImages ? Full : Frozen;
    }

    /// <summary>The recipe named <paramref name="name"/>.</summary>
    /// <exception cref="InvalidSettingException">No recipe has that name.</exception>
    public static FineTuneRecipe Parse(string name) =>
        All.FirstOrDefault(recipe => recipe.Name == name)
        ?? throw new InvalidSettingException($"'{name}' is not a recipe: use {string.Join(", ", All.Select(recipe => recipe.Name))}, or auto.");

    /// <summary>The settings in words, for the line that says which recipe a run took.</summary>
    public string Describe()
    {
        string augmentation = (Crop, HorizontalFlip) switch
        {
            (true, true) => "crops and flips",
            (true, false) => "crops",
            (false, true) => "flips",
            _ => "no augmentation",
        };
        string validation = ValidationFraction > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{ValidationFraction * 100:G3}% held out for early stopping")
            : "no validation split";
        return string.Create(CultureInfo.InvariantCulture,
            $"unfreeze {Unfreeze}, {augmentation}, lr {LearningRate:G3}, label smoothing {LabelSmoothing:G3}, {validation}, {Epochs} epochs");
    }
}
