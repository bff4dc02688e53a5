namespace Pipeline.Inference.Bench;

/// <summary>How busy the machine is, for a benchmark report's header.</summary>
public static class MachineLoad
{
    /// <summary>The 1-, 5- and 15-minute load averages as /proc/loadavg gives them ("1.35 3.47 4.05"), or "?" where there is none.</summary>
    public static string Averages() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "?";
}
