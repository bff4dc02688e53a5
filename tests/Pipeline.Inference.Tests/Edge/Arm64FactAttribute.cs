namespace Pipeline.Inference.Tests.Edge;

/// <summary>
/// A test that runs a linux-arm64 build under qemu-user (build/qemu-arm64.sh), and with <c>nativeAot</c> one that also
/// cross-links Native AOT for linux-arm64 first: skipped, saying why, where what it needs is missing because `make setup`
/// could not install it.
/// </summary>
public sealed class Arm64FactAttribute : FactAttribute
{
    /// <summary>What qemu needs to run a self-contained linux-arm64 .NET program here.</summary>
    public static readonly string[] Requirements =
    [
        "/usr/bin/qemu-aarch64-static", "/lib/ld-linux-aarch64.so.1", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libssl.so.3",
    ];

    /// <summary>What clang needs to link Native AOT for linux-arm64 here (the Makefile's ARM64_CROSS).</summary>
    public static readonly string[] NativeAotRequirements =
    [
        "/usr/bin/clang", "/usr/bin/aarch64-linux-gnu-ld.bfd", "/usr/aarch64-linux-gnu/lib/crt1.o",
        "/usr/lib/gcc-cross/aarch64-linux-gnu/12/crtbeginS.o",
    ];

    public Arm64FactAttribute(bool nativeAot = false)
    {
        string[] missing = Requirements.Where(path => !File.Exists(path)).ToArray();
        string[] missingCross = nativeAot ? NativeAotRequirements.Where(path => !File.Exists(path)).ToArray() : [];
        if (missing.Length > 0)
        {
            Skip = $"{string.Join(", ", missing)} missing: qemu-user-static and Debian's arm64 libc6, libstdc++6 and libssl3 "
                + "could not be installed here (make setup tries).";
        }
        else if (missingCross.Length > 0)
        {
            Skip = $"{string.Join(", ", missingCross)} missing: clang, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross and "
                + "libgcc-12-dev-arm64-cross could not be installed here (make setup tries), so Native AOT for linux-arm64 cannot link.";
        }
    }
}
