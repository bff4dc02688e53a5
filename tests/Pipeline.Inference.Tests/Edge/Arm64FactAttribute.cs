namespace Pipeline.Inference.Tests.Edge;

/// <summary>
/// A test that runs a linux-arm64 build under qemu-user (build/qemu-arm64.sh): skipped, saying why, where qemu-user-static
/// or Debian's arm64 libraries are missing because `make setup` could not install them.
/// </summary>
public sealed class Arm64FactAttribute : FactAttribute
{
    /// <summary>What qemu needs to run a self-contained linux-arm64 .NET program here.</summary>
    public static readonly string[] Requirements =
    [
        "/usr/bin/qemu-aarch64-static", "/lib/ld-linux-aarch64.so.1", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libssl.so.3",
    ];

    public Arm64FactAttribute()
    {
        string[] missing = Requirements.Where(path => !File.Exists(path)).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"{string.Join(", ", missing)} missing: qemu-user-static and Debian's arm64 libc6, libstdc++6 and libssl3 "
                + "could not be installed here (make setup tries).";
        }
    }
}
