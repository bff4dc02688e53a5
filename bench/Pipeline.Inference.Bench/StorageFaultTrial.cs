namespace Pipeline.Inference.Bench;

/// <summary>One kill of the storage fault campaign: what ran, where the kill landed and what came of it.</summary>
/// <param name="Operation">publish, pull, alias move or publish then promote.</param>
/// <param name="KilledAtMs">When Azurite was killed, in milliseconds after the operation began.</param>
/// <param name="TypicalMs">How long the operation takes uninterrupted (the median of a few), for scale.</param>
/// <param name="Landed">The store calls running at the kill ("put v/encoder.onnx"), or "between store calls"; for a boundary kill, the boundary's name.</param>
/// <param name="OutageSeconds">From the kill until Azurite answered again.</param>
/// <param name="RodeOut">The operation completed once Azurite was back, without being asked again, and what it wrote stayed.</param>
/// <param name="Undone">It completed, but Azurite had lost its writes, acknowledged ones included (the registry was as before it); it was retried.</param>
/// <param name="Failure">The exception type it failed with, when it did not ride the outage out (it was then retried).</param>
/// <param name="SavedMidway">Azurite saved its metadata between the operation's start and the kill: its first writes survived the kill.</param>
/// <param name="Problems">Whatever the checks after the trial found wrong (nothing, when the registry kept its promises).</param>
public sealed record StorageFaultTrial(string Operation, double KilledAtMs, double TypicalMs, string Landed, double OutageSeconds, bool RodeOut,
    bool Undone, string? Failure, bool SavedMidway, IReadOnlyList<string> Problems);
