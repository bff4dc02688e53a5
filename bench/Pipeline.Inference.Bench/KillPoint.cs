namespace Pipeline.Inference.Bench;

/// <summary>A boundary between two store calls of a registry operation, where a targeted kill of the storage fault campaign lands.</summary>
/// <param name="Name">What has happened and what has not, at the boundary ("manifest written, latest not moved").</param>
/// <param name="Operation">The operation killed there (<see cref="StorageFaultCampaign.PublishThenPromote"/>, <see cref="StorageFaultCampaign.AliasMove"/>).</param>
/// <param name="Write">The write the boundary is at, by its path in the model's folder ("manifest.json", "aliases/champion.json").</param>
/// <param name="BeforeWrite">The kill lands before the write is sent; otherwise once it is acknowledged, before the operation goes on.</param>
public sealed record KillPoint(string Name, string Operation, string Write, bool BeforeWrite);
