using System.Globalization;

namespace Pipeline.Cli;

/// <summary>Sizes for people, in binary units.</summary>
public static class ByteSize
{
    /// <summary>812 B, 14.2 KiB, 48.0 MiB, 1.25 GiB.</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GiB"),
    };
}
