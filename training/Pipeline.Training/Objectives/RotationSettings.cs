namespace Pipeline.Training.Objectives;

/// <summary>Rotation prediction's settings (Gidaris et al. 2018): none beyond the encoder's, so the record is its name alone.</summary>
public sealed record RotationSettings : MethodSettings;
