using System.Text.Json.Serialization;

namespace Pipeline.Training.Registry.Nightly;

/// <summary>When a candidate becomes the champion: when its metric beats the champion's by at least <paramref name="Margin"/>.</summary>
/// <param name="Margin">Accuracy as a fraction (0.002 = 0.2 points); 0 promotes on a tie.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NightlyPromotion(double Margin = 0);
